import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Orders, units and revenue per customer and day. Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
  grain: "one row per customer × day with any order",
  materialized: "incremental",
  uniqueKey: ["customer_dim_id", "date_id"],
  window: "date_id",
  // Covering: the top customers over a date range read only this index (an index-only scan).
  indexes: [{ columns: ["date_id", "customer_dim_id"], include: ["orders", "revenue_cents"] }],
  columns: {
    customer_dim_id: { description: "dim_customer.id", tests: ["not_null"] },
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    orders: { description: "distinct orders", tests: ["not_null"] },
    units: { description: "units bought", tests: ["not_null"] },
    revenue_cents: { description: "revenue in whole cents (currency units × 100)", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
