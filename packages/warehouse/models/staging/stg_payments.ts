import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Payment facts: one row per payment of a live order.",
  grain: "one row per payment",
  materialized: "view",
  columns: {
    payment_id: { description: "OLTP payments.id", tests: ["unique", "not_null"] },
    order_id: { description: "OLTP orders.id", tests: ["not_null"] },
    customer_dim_id: {
      description: "dim_customer.id of the paying customer",
      tests: [{ relationships: { to: "source:dim_customer", field: "id" } }]
    },
    amount: { description: "amount paid, currency units", tests: ["not_null"] },
    payment_method: {
      description: "cash, card or mobile",
      tests: ["not_null", { accepted_values: ["cash", "card", "mobile"] }]
    },
    payment_status: {
      description: "pending, paid, refunded or failed",
      tests: [{ accepted_values: ["pending", "paid", "refunded", "failed"] }]
    },
    date_id: {
      description: "yyyymmdd of the payment",
      tests: ["not_null", { relationships: { to: "source:dim_date", field: "id" } }]
    },
    recorded_at: { description: "when the payment was made", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
