import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "The current version of each product (dim_product is SCD2; past versions stay with their sales).",
  grain: "one row per product",
  materialized: "view",
  columns: {
    product_id: { description: "OLTP products.id", tests: ["unique", "not_null"] },
    name: { description: "product name", tests: ["not_null"] },
    category: {
      description: "menu category",
      tests: [{ accepted_values: ["coffee", "tea", "pastry", "food", "other"] }]
    },
    size: { description: "size", tests: [{ accepted_values: ["small", "medium", "large", "regular"] }] },
    price: { description: "current price, currency units", tests: ["not_null"] },
    active: { description: "still on the menu", tests: ["not_null"] }
  }
} satisfies ModelDeclaration
