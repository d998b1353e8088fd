import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Orders, units and revenue per day and product. Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
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
