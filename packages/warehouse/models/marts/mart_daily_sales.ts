import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Daily sales with trend: orders, units, revenue, average basket value and size, 7-day moving average of revenue, and week-over-week change (against the same weekday a week before).",
  grain: "one row per calendar day from the first sale to the last",
  materialized: "table",
  indexes: [["date"]],
  columns: {
    date_id: { description: "yyyymmdd", tests: ["unique", "not_null"] },
    date: { description: "the day", tests: ["unique", "not_null"] },
    day_of_week: { description: "ISO 1 = Monday … 7 = Sunday", tests: ["not_null"] },
    day_name: { description: "Monday …", tests: ["not_null"] },
    orders: { description: "orders with at least one live item", tests: ["not_null"] },
    units: { description: "units sold", tests: ["not_null"] },
    revenue: { description: "sum of fact_sales.total, currency units", tests: ["not_null"] },
    avg_basket_value: { description: "revenue per order (null on a day without orders)" },
    avg_basket_size: { description: "units per order (null on a day without orders)" },
    revenue_7d_avg: { description: "mean revenue of this day and the six before", tests: ["not_null"] },
    revenue_week_before: { description: "revenue on the same weekday a week before (null in the first week)" },
    wow_change_pct: { description: "week-over-week change of revenue, percent" }
  },
  tests: [
    {
      name: "orders_without_revenue",
      sql: "SELECT date, orders, revenue FROM {{self}} WHERE (orders = 0) <> (revenue = 0)"
    }
  ]
} satisfies ModelDeclaration
