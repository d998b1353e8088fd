import { dateIdInRange, employeeDimIs } from "../Fragments.ts"
import { intSalesHourly, stgDates, stgEmployees } from "../Models.ts"
import { constant, q } from "../Query.ts"
import { dimTimeOfDay } from "../Sources.ts"
import { card, dashboard } from "../Spec.ts"

const s = intSalesHourly("s")

/** A Monday-to-Sunday week (any would do): the heat map's rows, one per weekday. */
const WEEK = { monday: 20260105, sunday: 20260111 }

/**
 * Per employee over the date range, as `mart_employee_performance` defines it
 * for all time: a shift hour is an hour of a day in which the employee took at
 * least one order.
 */
const employeePerformance = (() => {
  const e = stgEmployees("e")
  return q`
SELECT ${e.c.name} AS name, ${e.c.role} AS role,
       sum(${s.c.orders})::int AS orders, sum(${s.c.revenue}) AS revenue,
       round(sum(${s.c.revenue}) / nullif(sum(${s.c.orders}), 0), 2) AS avg_basket_value,
       count(*)::int AS shift_hours,
       round(sum(${s.c.orders})::numeric / count(*), 2) AS orders_per_shift_hour,
       round(sum(${s.c.revenue}) / count(*), 2) AS revenue_per_shift_hour
FROM ${s}
JOIN ${e} ON ${e.c.employee_dim_id} = ${s.c.employee_dim_id}
WHERE true ${dateIdInRange(s.c.date_id)} ${employeeDimIs(s.c.employee_dim_id)}
GROUP BY ${e.c.employee_id}, ${e.c.name}, ${e.c.role}
ORDER BY revenue DESC, name`
})()

const performanceColumns = [
  { name: "name", title: "Employee", type: "text" },
  { name: "role", title: "Role", type: "text" },
  { name: "orders", title: "Orders", type: "integer" },
  { name: "revenue", title: "Revenue", type: "money" },
  { name: "avg_basket_value", title: "Average basket", type: "money" },
  { name: "shift_hours", title: "Shift hours", type: "integer" },
  { name: "orders_per_shift_hour", title: "Orders per shift hour", type: "number" },
  { name: "revenue_per_shift_hour", title: "Revenue per shift hour", type: "money" }
] as const

export const staff = dashboard({
  slug: "staff",
  title: "Staff & peak hours",
  description: "When the shop is busy, and what each employee sells per hour on shift.",
  cards: [
    card({
      slug: "peak-hours",
      title: "Orders by hour and weekday",
      description: "Orders per hour of the day and day of the week over the date range (UTC hours).",
      display: "heatmap",
      query: (() => {
        const d = stgDates("d")
        const w = stgDates("w")
        const h = dimTimeOfDay("h")
        // Every weekday × the opening hours (and any other hour with sales), so quiet cells show as quiet.
        return q`
WITH cells AS (
  SELECT ${d.c.day_of_week} AS day_of_week, ${s.c.hour} AS hour, sum(${s.c.orders})::int AS orders
  FROM ${s}
  JOIN ${d} ON ${d.c.date_id} = ${s.c.date_id}
  WHERE true ${dateIdInRange(s.c.date_id)} ${employeeDimIs(s.c.employee_dim_id)}
  GROUP BY 1, 2
)
SELECT ${w.c.day_of_week} AS day_of_week, ${w.c.day_name} AS day_name,
       lpad(${h.c.hour}::text, 2, '0') || ':00' AS hour, coalesce(cells.orders, 0) AS orders
FROM ${w}
CROSS JOIN ${h}
LEFT JOIN cells ON cells.day_of_week = ${w.c.day_of_week} AND cells.hour = ${h.c.hour}
WHERE ${w.c.date_id} BETWEEN ${constant(WEEK.monday)} AND ${constant(WEEK.sunday)}
  AND (${h.c.hour} BETWEEN 7 AND 19 OR ${h.c.hour} IN (SELECT hour FROM cells))
ORDER BY ${w.c.day_of_week}, ${h.c.hour}`
      })(),
      columns: [
        { name: "day_of_week", title: "Day of week", type: "integer" },
        { name: "day_name", title: "Day", type: "text" },
        { name: "hour", title: "Hour", type: "text" },
        { name: "orders", title: "Orders", type: "integer" }
      ],
      visualization: { x: "hour", series: "day_name", y: ["orders"] },
      layout: { col: 0, row: 0, sizeX: 24, sizeY: 7 }
    }),
    card({
      slug: "revenue-per-shift-hour",
      title: "Revenue per shift hour",
      description: "Each employee's revenue per hour on shift over the date range.",
      display: "bar",
      query: employeePerformance,
      columns: performanceColumns,
      visualization: { x: "name", y: ["revenue_per_shift_hour"] },
      layout: { col: 0, row: 7, sizeX: 12, sizeY: 6 }
    }),
    card({
      slug: "orders-per-shift-hour",
      title: "Orders per shift hour",
      description: "Each employee's orders per hour on shift over the date range.",
      display: "bar",
      query: employeePerformance,
      columns: performanceColumns,
      visualization: { x: "name", y: ["orders_per_shift_hour"] },
      layout: { col: 12, row: 7, sizeX: 12, sizeY: 6 }
    }),
    card({
      slug: "employee-performance",
      title: "Employee performance",
      description: "Orders, revenue and basket per employee over the date range, and per hour on shift.",
      display: "table",
      query: employeePerformance,
      columns: performanceColumns,
      visualization: {},
      layout: { col: 0, row: 13, sizeX: 24, sizeY: 7 }
    })
  ]
})
