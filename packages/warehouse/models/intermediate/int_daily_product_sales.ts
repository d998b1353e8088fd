import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Orders, units and revenue per day and product. Incremental: the last three days are recomputed on each run.",
  grain: "one row per day × product with any sale",
  materialized: "incremental",
  uniqueKey: ["date_id", "product_id"],
  window: "date_id",
  indexes: [["product_id"]],
  columns: {
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    product_id: { description: "OLTP products.id", tests: ["not_null"] },
    orders: { description: "distinct orders with this product", tests: ["not_null"] },
    units: { description: "units sold", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
