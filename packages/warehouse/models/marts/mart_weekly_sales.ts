import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Weekly sales (ISO weeks, Monday to Sunday) with week-over-week change. The first and last week may be partial: see days.",
  grain: "one row per ISO week with any day in the sales range",
  materialized: "table",
  columns: {
    week_start: { description: "the Monday", tests: ["unique", "not_null"] },
    year: { description: "calendar year of the week's first day in range", tests: ["not_null"] },
    orders: { description: "orders", tests: ["not_null"] },
    units: { description: "units", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    days: { description: "days of the week inside the sales range (7 except at the edges)", tests: ["not_null"] },
    revenue_week_before: { description: "the previous week's revenue" },
    wow_change_pct: { description: "week-over-week change of revenue, percent" }
  }
} satisfies ModelDeclaration
