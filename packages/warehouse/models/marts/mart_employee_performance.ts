import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Employee performance: orders, units, revenue, average basket, and orders and revenue per shift hour (an hour of a day in which they took any order).",
  grain: "one row per employee with any sale",
  materialized: "table",
  columns: {
    employee_id: { description: "OLTP employees.id", tests: ["unique", "not_null"] },
    name: { description: "employee name", tests: ["not_null"] },
    role: { description: "role", tests: ["not_null"] },
    active: { description: "still employed", tests: ["not_null"] },
    orders: { description: "orders taken", tests: ["not_null"] },
    units: { description: "units sold", tests: ["not_null"] },
    revenue: { description: "currency units", tests: ["not_null"] },
    avg_basket_value: { description: "revenue per order", tests: ["not_null"] },
    shift_hours: { description: "hours with at least one order taken", tests: ["not_null"] },
    orders_per_shift_hour: { description: "orders / shift hours", tests: ["not_null"] },
    revenue_per_shift_hour: { description: "revenue / shift hours", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
