import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "The hours of the day with their daypart (morning rush, lunch, …).",
  grain: "one row per hour of the day",
  materialized: "view",
  columns: {
    hour: { description: "0–23", tests: ["unique", "not_null"] },
    label: { description: "07:00–08:00", tests: ["not_null"] },
    daypart: { description: "night, early, morning rush, late morning, lunch, afternoon, evening", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
