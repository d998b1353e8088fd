import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Payment-method mix per day: count, amount (any status), paid amount and the method's share of the day's amount.",
  grain: "one row per day × payment method with any payment",
  materialized: "table",
  indexes: [["payment_method"]],
  columns: {
    date: { description: "the day", tests: ["not_null"] },
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    payment_method: { description: "cash, card or mobile", tests: [{ accepted_values: ["cash", "card", "mobile"] }] },
    payments: { description: "number of payments", tests: ["not_null"] },
    amount: { description: "all payments, currency units", tests: ["not_null"] },
    paid_amount: { description: "paid payments, currency units", tests: ["not_null"] },
    share_of_day_pct: { description: "percent of the day's amount" }
  },
  tests: [{ unique_combination: ["date_id", "payment_method"] }]
} satisfies ModelDeclaration
