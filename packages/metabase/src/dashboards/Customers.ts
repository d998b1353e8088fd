import { dateIdInRange, dateInRange, dateRangeSet, noDateRange } from "../Fragments.ts"
import { intCustomerDaily, martCustomerSegments, stgCustomers, stgDates } from "../Models.ts"
import { q } from "../Query.ts"
import { card, dashboard } from "../Spec.ts"

const m = martCustomerSegments("m")
const x = intCustomerDaily("x")
const k = stgCustomers("k")

/** The RFM segments (as of the newest sale, over all time): customers, revenue and basket per segment. */
const segments = q`
SELECT ${m.c.segment} AS segment, count(*)::int AS customers, sum(${m.c.revenue}) AS revenue,
       round(sum(${m.c.revenue}) / nullif(sum(${m.c.orders}), 0), 2) AS avg_basket_value,
       round(avg(${m.c.orders}), 1) AS avg_orders, round(avg(${m.c.recency_days}), 0)::int AS avg_recency_days
FROM ${m}
GROUP BY ${m.c.segment}
ORDER BY customers DESC, segment`

const segmentColumns = [
  { name: "segment", title: "Segment", type: "text" },
  { name: "customers", title: "Customers", type: "integer" },
  { name: "revenue", title: "Revenue", type: "money" },
  { name: "avg_basket_value", title: "Average basket", type: "money" },
  { name: "avg_orders", title: "Orders per customer", type: "number" },
  { name: "avg_recency_days", title: "Days since last order", type: "integer" }
] as const

export const customers = dashboard({
  slug: "customers",
  title: "Customers",
  description: "Who buys: RFM segments, the top customers over the date range, and new against returning customers.",
  cards: [
    card({
      slug: "rfm-segments",
      title: "Customers per segment",
      description:
        "Customers per RFM segment (new: first order under 30 days ago; lapsed: none for 90 days; loyal: 10+ orders, the last within 30 days).",
      display: "pie",
      query: segments,
      columns: segmentColumns,
      visualization: { x: "segment", y: ["customers"] },
      layout: { col: 0, row: 0, sizeX: 9, sizeY: 7 }
    }),
    card({
      slug: "segment-value",
      title: "What each segment is worth",
      description: "Revenue, basket, orders and recency per RFM segment, over all time.",
      display: "table",
      query: segments,
      columns: segmentColumns,
      visualization: {},
      layout: { col: 9, row: 0, sizeX: 15, sizeY: 7 }
    }),
    card({
      slug: "top-customers",
      title: "Top customers",
      description: "The ten customers with the most revenue over the date range.",
      display: "table",
      // Ranked before the ten winners are joined to their names. A date range sums its customer-days from the
      // rollup's covering index alone (an index-only scan; revenue in whole cents, as integers sum faster); no
      // range takes each customer's all-time totals, which the segments mart keeps, instead of two years of days.
      query: (() => {
        const c = stgCustomers("c")
        return q`
SELECT ${k.c.name} AS name, t.orders, t.revenue, round(t.revenue / nullif(t.orders, 0), 2) AS avg_basket_value
FROM (
  SELECT ${x.c.customer_dim_id} AS customer_dim_id, sum(${x.c.orders})::int AS orders,
         sum(${x.c.revenue_cents}) * 0.01 AS revenue
  FROM ${x}
  WHERE (false ${dateRangeSet}) ${dateIdInRange(x.c.date_id)}
  GROUP BY ${x.c.customer_dim_id}
  UNION ALL
  SELECT ${c.c.customer_dim_id}, ${m.c.orders}, ${m.c.revenue}
  FROM ${m} JOIN ${c} ON ${c.c.customer_id} = ${m.c.customer_id}
  WHERE true ${noDateRange}
  ORDER BY revenue DESC, customer_dim_id
  LIMIT 10
) t
JOIN ${k} ON ${k.c.customer_dim_id} = t.customer_dim_id
ORDER BY t.revenue DESC, name`
      })(),
      columns: [
        { name: "name", title: "Customer", type: "text" },
        { name: "orders", title: "Orders", type: "integer" },
        { name: "revenue", title: "Revenue", type: "money" },
        { name: "avg_basket_value", title: "Average basket", type: "money" }
      ],
      visualization: {},
      layout: { col: 0, row: 7, sizeX: 11, sizeY: 8 }
    }),
    card({
      slug: "new-vs-returning",
      title: "New and returning customers",
      description: "Customers buying each day over the date range: on their first day, or back again.",
      display: "bar",
      query: (() => {
        const d = stgDates("d")
        // Buyers per day from the daily rollup; the new ones are those whose first order was that day.
        return q`
WITH buyers AS (
  SELECT ${x.c.date_id} AS date_id, count(*)::int AS customers
  FROM ${x}
  WHERE true ${dateIdInRange(x.c.date_id)}
  GROUP BY ${x.c.date_id}
),
firsts AS (
  SELECT ${m.c.first_order_date} AS date, count(*)::int AS customers
  FROM ${m}
  WHERE true ${dateInRange(m.c.first_order_date)}
  GROUP BY ${m.c.first_order_date}
)
SELECT ${d.c.date} AS date, coalesce(firsts.customers, 0) AS new_customers,
       buyers.customers - coalesce(firsts.customers, 0) AS returning_customers
FROM buyers
JOIN ${d} ON ${d.c.date_id} = buyers.date_id
LEFT JOIN firsts ON firsts.date = ${d.c.date}
ORDER BY ${d.c.date}`
      })(),
      columns: [
        { name: "date", title: "Day", type: "date" },
        { name: "new_customers", title: "New", type: "integer" },
        { name: "returning_customers", title: "Returning", type: "integer" }
      ],
      visualization: { x: "date", y: ["new_customers", "returning_customers"] },
      layout: { col: 11, row: 7, sizeX: 13, sizeY: 8 }
    })
  ]
})
