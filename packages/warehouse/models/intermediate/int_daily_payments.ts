import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Payments per day and method. Incremental: the last three days are recomputed on each run.",
  grain: "one row per day × payment method with any payment",
  materialized: "incremental",
  uniqueKey: ["date_id", "payment_method"],
  window: "date_id",
  columns: {
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    payment_method: { description: "cash, card or mobile", tests: ["not_null"] },
    payments: { description: "number of payments", tests: ["not_null"] },
    amount: { description: "all payments, any status (what the original dashboard summed)", tests: ["not_null"] },
    paid_amount: { description: "payments with status paid", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
