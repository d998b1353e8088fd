import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Customers as the warehouse knows them (deleted ones kept for their facts).",
  grain: "one row per customer",
  materialized: "view",
  columns: {
    customer_dim_id: { description: "dim_customer.id", tests: ["unique", "not_null"] },
    customer_id: { description: "OLTP customers.id", tests: ["unique", "not_null"] },
    name: { description: "customer name", tests: ["not_null"] },
    email: { description: "customer email", tests: ["not_null"] },
    deleted: { description: "deleted in OLTP", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
