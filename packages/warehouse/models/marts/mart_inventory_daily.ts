import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Daily stock per product: on hand, sold, received, wasted, the 7-day mean of units sold, and days of cover (on hand ÷ that mean; null when nothing sold in the week). Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
  grain: "one row per product per day with any stock movement",
  materialized: "incremental",
  uniqueKey: ["date_id", "product_id"],
  window: "date_id",
  indexes: [["product_id", "date"]],
  columns: {
    date: { description: "the day", tests: ["not_null"] },
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    product_id: { description: "OLTP products.id", tests: ["not_null"] },
    product_name: { description: "current name", tests: ["not_null"] },
    on_hand: { description: "units on hand at the end of the day", tests: ["not_null"] },
    sold: { description: "units sold", tests: ["not_null"] },
    received: { description: "units received", tests: ["not_null"] },
    wasted: { description: "units wasted", tests: ["not_null"] },
    avg_daily_sold_7d: { description: "mean units sold per day over the 7 days ending here", tests: ["not_null"] },
    days_of_cover: { description: "days the stock lasts at that rate" }
  },
  tests: [{ unique_combination: ["date_id", "product_id"] }]
} satisfies ModelDeclaration
