import { dateInRange, dayId, employeeDimIs, productDimInCategory, todayId } from "../Fragments.ts"
import { intSalesHourly, martDailySales, martPaymentMix, stgDates } from "../Models.ts"
import { type Query, q } from "../Query.ts"
import { dimTimeOfDay, factSales } from "../Sources.ts"
import { card, dashboard } from "../Spec.ts"

/**
 * Today's figures come from the star schema (fresh within a second of a sale),
 * compared with the same weekday a week before up to the same time of day;
 * history comes from the marts.
 */

const f = factSales("f")
const weekAgoId = dayId(7)

/**
 * Today's and last week's day ids, worked out once per query: left in the
 * conditions, `to_char(now() …)` runs again for every row and costs more than
 * the sums (measured at 10 M sales).
 */
const days = q`days AS MATERIALIZED (
  SELECT ${todayId} AS today, ${weekAgoId} AS week_ago, now() - interval '7 days' AS week_ago_now
)`
const TODAY = q`days.today`
const WEEK_AGO = q`days.week_ago`

/**
 * Today's sale items, with the filters, and (with `lastWeek`) those of the same
 * weekday last week, up to this time when `upToNow`. The days are read through
 * the `(date_id, …)` index: one range per day, whatever the table's size.
 */
const soldOnDays = (upToNow: boolean) => q`
FROM days
JOIN ${f} ON ${f.c.date_id} IN (days.today, days.week_ago)
WHERE true ${upToNow ? q`AND (${f.c.date_id} = days.today OR ${f.c.order_time} <= days.week_ago_now)` : q``}
  ${productDimInCategory(f.c.product_dim_id)} ${employeeDimIs(f.c.employee_dim_id)}`

/** A KPI: `measure` over today's items, and over last week's up to the same time. */
const todayKpi = (measure: (day: Query) => Query): Query => q`
WITH ${days}
SELECT ${measure(TODAY)} AS today, ${measure(WEEK_AGO)} AS last_week
${soldOnDays(true)}`

const revenueOn = (day: Query) => q`coalesce(sum(${f.c.total}) FILTER (WHERE ${f.c.date_id} = ${day}), 0)`
const ordersOn = (day: Query) => q`count(DISTINCT ${f.c.order_id}) FILTER (WHERE ${f.c.date_id} = ${day})`

const kpi = { sizeX: 8, sizeY: 3, row: 0 }

export const shopOverview = dashboard({
  slug: "shop-overview",
  title: "Shop overview",
  description:
    "Today against the same weekday last week, the last seven days, and sales and payments over the date range.",
  cards: [
    card({
      slug: "revenue-today",
      title: "Revenue today",
      description: "Revenue so far today, against the same weekday last week up to the same time.",
      display: "scalar",
      query: todayKpi(revenueOn),
      columns: [
        { name: "today", title: "Today", type: "money" },
        { name: "last_week", title: "Same time last week", type: "money" }
      ],
      visualization: { y: ["today"], comparison: "last_week" },
      layout: { ...kpi, col: 0 },
      live: true
    }),
    card({
      slug: "orders-today",
      title: "Orders today",
      description: "Orders so far today, against the same weekday last week up to the same time.",
      display: "scalar",
      query: todayKpi(ordersOn),
      columns: [
        { name: "today", title: "Today", type: "integer" },
        { name: "last_week", title: "Same time last week", type: "integer" }
      ],
      visualization: { y: ["today"], comparison: "last_week" },
      layout: { ...kpi, col: 8 },
      live: true
    }),
    card({
      slug: "basket-today",
      title: "Average basket today",
      description: "Revenue per order so far today, against the same weekday last week up to the same time.",
      display: "scalar",
      query: todayKpi((day) => q`round(${revenueOn(day)} / nullif(${ordersOn(day)}, 0), 2)`),
      columns: [
        { name: "today", title: "Today", type: "money" },
        { name: "last_week", title: "Same time last week", type: "money" }
      ],
      visualization: { y: ["today"], comparison: "last_week" },
      layout: { ...kpi, col: 16 },
      live: true
    }),
    card({
      slug: "today-by-hour",
      title: "Today by hour",
      description: "Revenue per hour today and on the same weekday last week (opening hours, and any hour with sales).",
      display: "bar",
      query: (() => {
        const h = dimTimeOfDay("h")
        return q`
WITH ${days},
sold AS (
  SELECT ${f.c.time_of_day_id} AS hour, ${revenueOn(TODAY)} AS today, ${revenueOn(WEEK_AGO)} AS last_week
  ${soldOnDays(false)}
  GROUP BY ${f.c.time_of_day_id}
)
SELECT lpad(${h.c.hour}::text, 2, '0') || ':00' AS hour, coalesce(sold.today, 0) AS today,
       coalesce(sold.last_week, 0) AS last_week
FROM ${h}
LEFT JOIN sold ON sold.hour = ${h.c.hour}
WHERE ${h.c.hour} BETWEEN 7 AND 19 OR sold.hour IS NOT NULL
ORDER BY ${h.c.hour}`
      })(),
      columns: [
        { name: "hour", title: "Hour", type: "text" },
        { name: "today", title: "Today", type: "money" },
        { name: "last_week", title: "Same weekday last week", type: "money" }
      ],
      visualization: { x: "hour", y: ["today", "last_week"] },
      layout: { col: 0, row: 3, sizeX: 12, sizeY: 6 },
      live: true
    }),
    card({
      slug: "last-7-days",
      title: "Last 7 days",
      description:
        "Revenue and orders per day over the last seven days: today from the star schema, the days before from the models.",
      display: "line",
      query: (() => {
        const d = stgDates("d")
        const s = intSalesHourly("s")
        const t = factSales("t")
        return q`
SELECT ${d.c.date} AS date, coalesce(x.revenue, 0) AS revenue, coalesce(x.orders, 0)::int AS orders
FROM ${d}
LEFT JOIN (
  SELECT ${s.c.date_id} AS date_id, sum(${s.c.revenue}) AS revenue, sum(${s.c.orders}) AS orders
  FROM ${s}
  WHERE ${s.c.date_id} >= ${dayId(6)} AND ${s.c.date_id} < ${todayId} ${employeeDimIs(s.c.employee_dim_id)}
  GROUP BY ${s.c.date_id}
  UNION ALL
  SELECT ${t.c.date_id}, sum(${t.c.total}), count(DISTINCT ${t.c.order_id})
  FROM ${t}
  WHERE ${t.c.date_id} = ${todayId} ${employeeDimIs(t.c.employee_dim_id)}
  GROUP BY ${t.c.date_id}
) x ON x.date_id = ${d.c.date_id}
WHERE ${d.c.date_id} BETWEEN ${dayId(6)} AND ${todayId}
ORDER BY ${d.c.date}`
      })(),
      columns: [
        { name: "date", title: "Day", type: "date" },
        { name: "revenue", title: "Revenue", type: "money" },
        { name: "orders", title: "Orders", type: "integer" }
      ],
      visualization: { x: "date", y: ["revenue", "orders"] },
      layout: { col: 12, row: 3, sizeX: 12, sizeY: 6 },
      live: true
    }),
    card({
      slug: "daily-revenue",
      title: "Daily revenue",
      description: "Revenue per day over the date range, with its 7-day moving average.",
      display: "line",
      query: (() => {
        const m = martDailySales("m")
        return q`
SELECT ${m.c.date} AS date, ${m.c.revenue} AS revenue, ${m.c.revenue_7d_avg} AS revenue_7d_avg
FROM ${m}
WHERE true ${dateInRange(m.c.date)}
ORDER BY ${m.c.date}`
      })(),
      columns: [
        { name: "date", title: "Day", type: "date" },
        { name: "revenue", title: "Revenue", type: "money" },
        { name: "revenue_7d_avg", title: "7-day average", type: "money" }
      ],
      visualization: { x: "date", y: ["revenue", "revenue_7d_avg"] },
      layout: { col: 0, row: 9, sizeX: 16, sizeY: 6 }
    }),
    card({
      slug: "payment-mix",
      title: "Payment mix",
      description: "Amount paid per payment method over the date range.",
      display: "pie",
      query: (() => {
        const p = martPaymentMix("p")
        return q`
SELECT ${p.c.payment_method} AS payment_method, sum(${p.c.amount}) AS amount
FROM ${p}
WHERE true ${dateInRange(p.c.date)}
GROUP BY ${p.c.payment_method}
ORDER BY amount DESC`
      })(),
      columns: [
        { name: "payment_method", title: "Method", type: "text" },
        { name: "amount", title: "Amount", type: "money" }
      ],
      visualization: { x: "payment_method", y: ["amount"] },
      layout: { col: 16, row: 9, sizeX: 8, sizeY: 6 }
    })
  ]
})
