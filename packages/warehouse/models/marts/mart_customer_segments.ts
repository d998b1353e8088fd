import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Customer segments by recency, frequency and monetary value, as of the newest sale: new (first order under 30 days ago), lapsed (no order for over 90 days), loyal (10+ orders and one in the last 30 days), returning (the rest). RFM scores are quintiles, 5 = best.",
  grain: "one row per customer with any order",
  materialized: "table",
  indexes: [["revenue"]],
  columns: {
    customer_id: { description: "OLTP customers.id", tests: ["unique", "not_null"] },
    name: { description: "customer name", tests: ["not_null"] },
    email: { description: "customer email", tests: ["not_null"] },
    first_order_date: { description: "first order day", tests: ["not_null"] },
    last_order_date: { description: "last order day", tests: ["not_null"] },
    orders: { description: "orders", tests: ["not_null"] },
    units: { description: "units bought", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    avg_basket_value: { description: "revenue per order", tests: ["not_null"] },
    recency_days: { description: "days since the last order, as of the newest sale", tests: ["not_null"] },
    r_score: { description: "recency quintile, 5 = most recent", tests: [{ accepted_values: [1, 2, 3, 4, 5] }] },
    f_score: { description: "frequency quintile", tests: [{ accepted_values: [1, 2, 3, 4, 5] }] },
    m_score: { description: "monetary quintile", tests: [{ accepted_values: [1, 2, 3, 4, 5] }] },
    segment: {
      description: "new, returning, loyal or lapsed",
      tests: ["not_null", { accepted_values: ["new", "returning", "loyal", "lapsed"] }]
    }
  }
} satisfies ModelDeclaration
