import type { ModelDeclaration } from "@brewlytics/warehouse/Model.ts"

export default {
  description:
    "Stock per product: units sold, received and wasted over the whole range, and the latest day's stock on hand and days of cover.",
  grain: "one row per product with any stock movement",
  materialized: "table",
  columns: {
    product_id: { description: "OLTP products.id", tests: ["unique", "not_null"] },
    product_name: { description: "current name", tests: ["not_null"] },
    sold: { description: "units sold (fact_inventory.quantity_sold)", tests: ["not_null"] },
    received: { description: "units received", tests: ["not_null"] },
    wasted: { description: "units wasted", tests: ["not_null"] },
    last_movement: { description: "the latest day with a movement", tests: ["not_null"] },
    on_hand: { description: "units on hand at the end of that day", tests: ["not_null"] },
    days_of_cover: { description: "days the stock lasts at the last week's rate" }
  }
} satisfies ModelDeclaration
