import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Sale facts renamed for the models: one row per live order item (cancelled orders have none).",
  grain: "one row per order item",
  materialized: "view",
  columns: {
    order_item_id: { description: "OLTP order_items.id", tests: ["unique", "not_null"] },
    order_id: { description: "OLTP orders.id", tests: ["not_null"] },
    date_id: {
      description: "yyyymmdd of the order time (UTC)",
      tests: ["not_null", { relationships: { to: "source:dim_date", field: "id" } }]
    },
    hour: {
      description: "hour of the order time, 0–23",
      tests: ["not_null", { relationships: { to: "source:dim_time_of_day", field: "id" } }]
    },
    customer_dim_id: {
      description: "dim_customer.id",
      tests: ["not_null", { relationships: { to: "source:dim_customer", field: "id" } }]
    },
    product_dim_id: {
      description: "dim_product.id: the product version sold",
      tests: ["not_null", { relationships: { to: "source:dim_product", field: "id" } }]
    },
    employee_dim_id: {
      description: "dim_employee.id",
      tests: ["not_null", { relationships: { to: "source:dim_employee", field: "id" } }]
    },
    product_id: { description: "OLTP products.id (durable across price versions)", tests: ["not_null"] },
    quantity: { description: "units sold", tests: ["not_null"] },
    price: { description: "unit price at the time of sale, currency units", tests: ["not_null"] },
    total: { description: "quantity × price, currency units", tests: ["not_null"] },
    order_time: { description: "when the order was placed", tests: ["not_null"] },
    order_status: { description: "open or completed", tests: [{ accepted_values: ["open", "completed"] }] }
  },
  tests: [
    {
      name: "total_is_quantity_times_price",
      sql: "SELECT order_item_id, quantity, price, total FROM {{self}} WHERE total <> quantity * price"
    }
  ]
} satisfies ModelDeclaration
