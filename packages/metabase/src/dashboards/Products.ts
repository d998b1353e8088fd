import { dateIdInRange, productInCategory } from "../Fragments.ts"
import { intDailyProductSales, martProductPerformance, stgDates, stgProducts } from "../Models.ts"
import { optional, q, slot } from "../Query.ts"
import { card, dashboard } from "../Spec.ts"

/** Sales per product over the date range, from the daily product rollup; the menu's names and categories. */
const s = intDailyProductSales("s")
const p = stgProducts("p")
const salesFrom = q`
FROM ${s}
JOIN ${p} ON ${p.c.product_id} = ${s.c.product_id}`
const salesInRange = q`WHERE true ${dateIdInRange(s.c.date_id)} ${productInCategory(s.c.product_id)}`

export const products = dashboard({
  slug: "products",
  title: "Products",
  description:
    "What sells: the ranking, the trend per category, each category's share, and the best and worst sellers.",
  cards: [
    card({
      slug: "product-ranking",
      title: "Top products by revenue",
      description: "The ten products with the most revenue over the date range.",
      display: "row",
      query: q`
SELECT ${p.c.name} || ' (' || ${p.c.size} || ')' AS product, sum(${s.c.revenue}) AS revenue, sum(${s.c.units})::int AS units
${salesFrom}
${salesInRange}
GROUP BY ${p.c.product_id}, ${p.c.name}, ${p.c.size}
ORDER BY revenue DESC, product
LIMIT 10`,
      columns: [
        { name: "product", title: "Product", type: "text" },
        { name: "revenue", title: "Revenue", type: "money" },
        { name: "units", title: "Units", type: "integer" }
      ],
      visualization: { x: "product", y: ["revenue"] },
      layout: { col: 0, row: 0, sizeX: 14, sizeY: 8 }
    }),
    card({
      slug: "category-share",
      title: "Category share",
      description: "Each category's share of revenue over the date range.",
      display: "pie",
      query: q`
SELECT ${p.c.category} AS category, sum(${s.c.revenue}) AS revenue
${salesFrom}
${salesInRange}
GROUP BY ${p.c.category}
ORDER BY revenue DESC`,
      columns: [
        { name: "category", title: "Category", type: "text" },
        { name: "revenue", title: "Revenue", type: "money" }
      ],
      visualization: { x: "category", y: ["revenue"] },
      layout: { col: 14, row: 0, sizeX: 10, sizeY: 8 }
    }),
    card({
      slug: "category-trend",
      title: "Revenue per category",
      description: "Revenue per day and category over the date range.",
      display: "line",
      query: (() => {
        const d = stgDates("d")
        return q`
SELECT ${d.c.date} AS date, ${p.c.category} AS category, sum(${s.c.revenue}) AS revenue
${salesFrom}
JOIN ${d} ON ${d.c.date_id} = ${s.c.date_id}
${salesInRange}
GROUP BY ${d.c.date}, ${p.c.category}
ORDER BY date, category`
      })(),
      columns: [
        { name: "date", title: "Day", type: "date" },
        { name: "category", title: "Category", type: "text" },
        { name: "revenue", title: "Revenue", type: "money" }
      ],
      visualization: { x: "date", series: "category", y: ["revenue"] },
      layout: { col: 0, row: 8, sizeX: 24, sizeY: 6 }
    }),
    card({
      slug: "best-and-worst",
      title: "Best and worst sellers",
      description:
        "The top and bottom products by revenue over all time, with their trend (the last 28 days against the 28 before).",
      display: "table",
      query: (() => {
        const m = martProductPerformance("m")
        return q`
SELECT CASE WHEN ${m.c.is_best_seller} THEN 'best' ELSE 'worst' END AS verdict,
       ${m.c.product_name} || ' (' || ${m.c.size} || ')' AS product, ${m.c.category} AS category,
       ${m.c.revenue} AS revenue, ${m.c.units} AS units, ${m.c.revenue_share_pct} AS revenue_share_pct,
       ${m.c.trend_pct} AS trend_pct
FROM ${m}
WHERE (${m.c.is_best_seller} OR ${m.c.is_worst_seller}) ${optional`AND ${m.c.category} = ${slot.category}`}
ORDER BY ${m.c.revenue_rank}`
      })(),
      columns: [
        { name: "verdict", title: "", type: "text" },
        { name: "product", title: "Product", type: "text" },
        { name: "category", title: "Category", type: "text" },
        { name: "revenue", title: "Revenue", type: "money" },
        { name: "units", title: "Units", type: "integer" },
        { name: "revenue_share_pct", title: "Share", type: "percent" },
        { name: "trend_pct", title: "Trend (28 days)", type: "percent" }
      ],
      visualization: {},
      layout: { col: 0, row: 14, sizeX: 24, sizeY: 7 }
    })
  ]
})
