import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_inventory_daily", (it) => {
  it.effect("mart_inventory_daily: stock on hand, units sold and wasted, days of cover", () =>
    Effect.gen(function* () {
      yield* buildAll
      const stock = yield* rows(`SELECT date::text, on_hand, sold, wasted, avg_daily_sold_7d::text, days_of_cover::text
        FROM marts.mart_inventory_daily WHERE product_name = 'Latte' ORDER BY date`)
      assert.deepStrictEqual(stock, [
        { date: "2026-03-01", on_hand: 20, sold: 0, wasted: 0, avg_daily_sold_7d: "0.00", days_of_cover: null },
        { date: "2026-03-02", on_hand: 18, sold: 2, wasted: 0, avg_daily_sold_7d: "0.29", days_of_cover: "63.0" },
        { date: "2026-03-03", on_hand: 17, sold: 1, wasted: 0, avg_daily_sold_7d: "0.43", days_of_cover: "39.7" },
        { date: "2026-03-05", on_hand: 13, sold: 3, wasted: 1, avg_daily_sold_7d: "0.86", days_of_cover: "15.2" }
      ])
    })
  )
})
