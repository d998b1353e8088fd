import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Orders, units, revenue and first/last order day per customer and month. Incremental by month.",
  grain: "one row per customer × month with any order",
  materialized: "incremental",
  uniqueKey: ["customer_dim_id", "month_start"],
  window: "month_start",
  indexes: [["month_start"]],
  columns: {
    customer_dim_id: { description: "dim_customer.id", tests: ["not_null"] },
    month_start: { description: "first day of the month", tests: ["not_null"] },
    orders: { description: "distinct orders", tests: ["not_null"] },
    units: { description: "units bought", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    first_order_date: { description: "first order day in the month", tests: ["not_null"] },
    last_order_date: { description: "last order day in the month", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
