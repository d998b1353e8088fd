import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description: "Daily stock snapshot per product, for days with any movement.",
  grain: "one row per product per day with movement",
  materialized: "view",
  columns: {
    product_id: { description: "OLTP products.id", tests: ["not_null"] },
    product_dim_id: {
      description: "dim_product.id current that day",
      tests: [{ relationships: { to: "source:dim_product", field: "id" } }]
    },
    date_id: { description: "yyyymmdd", tests: ["not_null"] },
    quantity_sold: { description: "units sold that day", tests: ["not_null"] },
    quantity_received: { description: "units received that day", tests: ["not_null"] },
    quantity_wasted: { description: "units wasted that day", tests: ["not_null"] },
    quantity_on_hand: { description: "units on hand at the end of the day", tests: ["not_null"] }
  },
  tests: [{ unique_combination: ["product_id", "date_id"] }]
} satisfies ModelDeclaration
