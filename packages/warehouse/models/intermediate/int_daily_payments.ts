import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Payments per day and method. Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
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
