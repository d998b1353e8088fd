import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Orders, units and revenue per day, hour and employee. Incremental: a run recomputes from the oldest day whose facts changed since it last ran (the fact tables' triggers mark them).",
  grain: "one row per day × hour × employee with any sale",
  materialized: "incremental",
  uniqueKey: ["date_id", "hour", "employee_dim_id"],
  window: "date_id",
  indexes: [["employee_dim_id"]],
  columns: {
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    hour: { description: "0–23", tests: ["not_null"] },
    employee_dim_id: { description: "dim_employee.id", tests: ["not_null"] },
    orders: { description: "distinct orders", tests: ["not_null"] },
    units: { description: "units sold", tests: ["not_null"] },
    revenue: { description: "sum of totals, currency units", tests: ["not_null"] }
  },
  tests: [{ unique_combination: ["date_id", "hour", "employee_dim_id"] }]
} satisfies ModelDeclaration
