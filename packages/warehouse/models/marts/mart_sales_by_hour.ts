import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Sales by weekday and hour of day: totals, averages per such day (for staffing), the slot's busyness rank within its weekday and the three peak hours of each weekday.",
  grain: "one row per weekday × hour with any sale",
  materialized: "table",
  columns: {
    day_of_week: {
      description: "ISO 1 = Monday … 7 = Sunday",
      tests: ["not_null", { accepted_values: [1, 2, 3, 4, 5, 6, 7] }]
    },
    day_name: { description: "Monday …", tests: ["not_null"] },
    hour: { description: "0–23", tests: ["not_null"] },
    label: { description: "07:00–08:00", tests: ["not_null"] },
    daypart: { description: "morning rush, lunch, …", tests: ["not_null"] },
    orders: { description: "orders in this slot over the whole range", tests: ["not_null"] },
    units: { description: "units", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    days: { description: "how many such weekdays the range holds", tests: ["not_null"] },
    avg_orders: { description: "orders per such weekday", tests: ["not_null"] },
    avg_revenue: { description: "revenue per such weekday", tests: ["not_null"] },
    busyness_rank: { description: "1 = the busiest hour of this weekday", tests: ["not_null"] },
    is_peak: { description: "among the three busiest hours of this weekday", tests: ["not_null"] }
  },
  tests: [{ unique_combination: ["day_of_week", "hour"] }]
} satisfies ModelDeclaration
