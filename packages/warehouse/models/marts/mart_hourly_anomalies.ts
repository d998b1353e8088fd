import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Order counts per day and open hour against the same weekday-hour baseline (mean and standard deviation of the eight weeks before). An hour is an anomaly when it has at least four weeks of history and deviates from the mean by at least three standard deviations (at least 3 orders, so a flat baseline does not flag noise). Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
  grain: "one row per day × hour of the day (0–23) in the sales range",
  materialized: "incremental",
  uniqueKey: ["date_id", "hour"],
  window: "date_id",
  indexes: [["date"]],
  columns: {
    date: { description: "the day", tests: ["not_null"] },
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    day_of_week: { description: "ISO 1 = Monday … 7 = Sunday", tests: ["not_null"] },
    hour: { description: "0–23", tests: ["not_null"] },
    orders: { description: "orders in that hour", tests: ["not_null"] },
    baseline_mean: { description: "mean orders in the same weekday-hour over the eight weeks before" },
    baseline_stddev: { description: "their sample standard deviation" },
    weeks_of_history: { description: "how many earlier weeks the baseline has (0–8)", tests: ["not_null"] },
    z_score: { description: "(orders − mean) ÷ standard deviation" },
    is_anomaly: { description: "deviates strongly from its baseline", tests: ["not_null"] }
  },
  tests: [{ unique_combination: ["date_id", "hour"] }]
} satisfies ModelDeclaration
