import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_inventory_summary", (it) => {
  it.effect("mart_inventory_summary: whole-range units and the latest day's stock per product", () =>
    Effect.gen(function* () {
      yield* buildAll
      const summary =
        yield* rows(`SELECT product_name, sold, received, wasted, last_movement::text, on_hand, days_of_cover::text
        FROM marts.mart_inventory_summary ORDER BY product_id`)
      assert.deepStrictEqual(summary, [
        {
          product_name: "Latte",
          sold: 6,
          received: 20,
          wasted: 1,
          last_movement: "2026-03-05",
          on_hand: 13,
          days_of_cover: "15.2"
        },
        {
          product_name: "Croissant",
          sold: 6,
          received: 10,
          wasted: 0,
          last_movement: "2026-03-02",
          on_hand: 4,
          days_of_cover: "9.3"
        }
      ])
    })
  )
})
