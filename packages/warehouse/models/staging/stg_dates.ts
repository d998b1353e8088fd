import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "The calendar.",
  grain: "one row per day",
  materialized: "view",
  columns: {
    date_id: { description: "yyyymmdd", tests: ["unique", "not_null"] },
    date: { description: "the day", tests: ["unique", "not_null"] },
    day_of_week: { description: "ISO: 1 = Monday … 7 = Sunday", tests: [{ accepted_values: [1, 2, 3, 4, 5, 6, 7] }] },
    day_name: { description: "Monday …", tests: ["not_null"] },
    week: { description: "ISO week", tests: ["not_null"] },
    iso_year: { description: "ISO week-numbering year", tests: ["not_null"] },
    month: { description: "1–12", tests: ["not_null"] },
    quarter: { description: "1–4", tests: ["not_null"] },
    year: { description: "calendar year", tests: ["not_null"] },
    is_weekend: { description: "Saturday or Sunday", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
