import { dateIdInRange, productInCategory } from "../Fragments.ts"
import { martInventoryDaily, martInventorySummary, stgProducts } from "../Models.ts"
import { constant, q } from "../Query.ts"
import { card, dashboard } from "../Spec.ts"

const i = martInventorySummary("i")
const d = martInventoryDaily("d")
const p = stgProducts("p")

/** A product as the menu names it: name and size (several sizes share a name). */
const productName = q`${p.c.name} || ' (' || ${p.c.size} || ')'`

/** Days of cover under which a product needs ordering. */
const LOW_COVER_DAYS = 3

export const inventory = dashboard({
  slug: "inventory",
  title: "Inventory",
  description: "Stock on hand, how many days it lasts at the last week's pace, and what was wasted.",
  cards: [
    card({
      slug: "on-hand",
      title: "Units on hand",
      description: "Units in stock across products, as of each product's latest movement.",
      display: "scalar",
      query: q`SELECT coalesce(sum(${i.c.on_hand}), 0)::int AS on_hand FROM ${i} WHERE true ${productInCategory(i.c.product_id)}`,
      columns: [{ name: "on_hand", title: "On hand", type: "integer" }],
      visualization: { y: ["on_hand"] },
      layout: { col: 0, row: 0, sizeX: 8, sizeY: 3 }
    }),
    card({
      slug: "low-cover",
      title: `Products under ${LOW_COVER_DAYS} days of cover`,
      description: `Products whose stock lasts fewer than ${LOW_COVER_DAYS} days at the last seven days' mean sales.`,
      display: "scalar",
      query: q`
SELECT count(*) FILTER (WHERE ${i.c.days_of_cover} < ${constant(LOW_COVER_DAYS)})::int AS products
FROM ${i}
WHERE true ${productInCategory(i.c.product_id)}`,
      columns: [{ name: "products", title: "Products", type: "integer" }],
      visualization: { y: ["products"] },
      layout: { col: 8, row: 0, sizeX: 8, sizeY: 3 }
    }),
    card({
      slug: "wasted",
      title: "Units wasted",
      description: "Units written off as waste over the date range.",
      display: "scalar",
      query: q`
SELECT coalesce(sum(${d.c.wasted}), 0)::int AS wasted
FROM ${d}
WHERE true ${dateIdInRange(d.c.date_id)} ${productInCategory(d.c.product_id)}`,
      columns: [{ name: "wasted", title: "Wasted", type: "integer" }],
      visualization: { y: ["wasted"] },
      layout: { col: 16, row: 0, sizeX: 8, sizeY: 3 }
    }),
    card({
      slug: "days-of-cover",
      title: "Lowest days of cover",
      description: "The ten products whose stock runs out soonest at the last seven days' pace.",
      display: "row",
      query: q`
SELECT ${productName} AS product, ${i.c.days_of_cover} AS days_of_cover
FROM ${i}
JOIN ${p} ON ${p.c.product_id} = ${i.c.product_id}
WHERE ${i.c.days_of_cover} IS NOT NULL ${productInCategory(i.c.product_id)}
ORDER BY ${i.c.days_of_cover}, product
LIMIT 10`,
      columns: [
        { name: "product", title: "Product", type: "text" },
        { name: "days_of_cover", title: "Days of cover", type: "number" }
      ],
      visualization: { x: "product", y: ["days_of_cover"] },
      layout: { col: 0, row: 3, sizeX: 10, sizeY: 8 }
    }),
    card({
      slug: "stock",
      title: "Stock",
      description: "Per product: on hand, days of cover, and units sold and wasted over all time.",
      display: "table",
      query: q`
SELECT ${productName} AS product, ${i.c.on_hand} AS on_hand, ${i.c.days_of_cover} AS days_of_cover,
       ${i.c.sold} AS sold, ${i.c.wasted} AS wasted, ${i.c.last_movement} AS last_movement
FROM ${i}
JOIN ${p} ON ${p.c.product_id} = ${i.c.product_id}
WHERE true ${productInCategory(i.c.product_id)}
ORDER BY ${i.c.days_of_cover} NULLS LAST, product`,
      columns: [
        { name: "product", title: "Product", type: "text" },
        { name: "on_hand", title: "On hand", type: "integer" },
        { name: "days_of_cover", title: "Days of cover", type: "number" },
        { name: "sold", title: "Sold", type: "integer" },
        { name: "wasted", title: "Wasted", type: "integer" },
        { name: "last_movement", title: "Last movement", type: "date" }
      ],
      visualization: {},
      layout: { col: 10, row: 3, sizeX: 14, sizeY: 8 }
    }),
    card({
      slug: "waste-per-day",
      title: "Waste per day",
      description: "Units wasted and sold per day over the date range.",
      display: "bar",
      query: q`
SELECT ${d.c.date} AS date, sum(${d.c.wasted})::int AS wasted, sum(${d.c.sold})::int AS sold
FROM ${d}
WHERE true ${dateIdInRange(d.c.date_id)} ${productInCategory(d.c.product_id)}
GROUP BY ${d.c.date}
ORDER BY ${d.c.date}`,
      columns: [
        { name: "date", title: "Day", type: "date" },
        { name: "wasted", title: "Wasted", type: "integer" },
        { name: "sold", title: "Sold", type: "integer" }
      ],
      visualization: { x: "date", y: ["wasted", "sold"] },
      layout: { col: 0, row: 11, sizeX: 24, sizeY: 6 }
    })
  ]
})
