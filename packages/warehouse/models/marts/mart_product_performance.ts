import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Product performance: orders, units, revenue, share of revenue, ranks, the five best and five worst sellers by revenue, and the 28-day trend. Names are the product's current ones.",
  grain: "one row per product with any sale",
  materialized: "table",
  columns: {
    product_id: {
      description: "OLTP products.id",
      tests: ["unique", "not_null", { relationships: { to: "stg_products", field: "product_id" } }]
    },
    product_name: { description: "current name", tests: ["not_null"] },
    category: { description: "menu category", tests: ["not_null"] },
    size: { description: "size", tests: ["not_null"] },
    current_price: { description: "current price", tests: ["not_null"] },
    orders: { description: "orders with this product", tests: ["not_null"] },
    units: { description: "units sold", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    revenue_share_pct: { description: "percent of all revenue" },
    revenue_rank: { description: "1 = most revenue", tests: ["not_null"] },
    units_rank: { description: "1 = most units", tests: ["not_null"] },
    is_best_seller: { description: "top five by revenue", tests: ["not_null"] },
    is_worst_seller: { description: "bottom five by revenue", tests: ["not_null"] },
    revenue_last_28d: { description: "revenue in the 28 days ending at the newest sale", tests: ["not_null"] },
    revenue_prev_28d: { description: "revenue in the 28 days before those", tests: ["not_null"] },
    trend_pct: { description: "change of the last 28 days over the 28 before, percent" }
  },
  tests: [
    {
      name: "shares_sum_to_100",
      sql: "SELECT sum(revenue_share_pct) AS total FROM {{self}} HAVING count(*) > 0 AND abs(sum(revenue_share_pct) - 100) > 0.5"
    }
  ]
} satisfies ModelDeclaration
