import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Employees as the warehouse knows them.",
  grain: "one row per employee",
  materialized: "view",
  columns: {
    employee_dim_id: { description: "dim_employee.id", tests: ["unique", "not_null"] },
    employee_id: { description: "OLTP employees.id", tests: ["unique", "not_null"] },
    name: { description: "employee name", tests: ["not_null"] },
    role: {
      description: "role",
      tests: [{ accepted_values: ["barista", "shift_lead", "manager", "cashier", "baker"] }]
    },
    active: { description: "still employed", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
