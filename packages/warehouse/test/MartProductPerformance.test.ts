import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_product_performance", (it) => {
  it.effect("mart_product_performance: revenue, units, share, ranks and trend per durable product", () =>
    Effect.gen(function* () {
      yield* buildAll
      const products =
        yield* rows(`SELECT product_name, current_price::text, orders, units, revenue::text, revenue_share_pct::text,
          revenue_rank, is_best_seller, is_worst_seller, revenue_last_28d::text, revenue_prev_28d::text, trend_pct
        FROM marts.mart_product_performance ORDER BY revenue_rank`)
      assert.deepStrictEqual(products, [
        {
          product_name: "Latte",
          current_price: "3.50",
          orders: 3,
          units: 6,
          revenue: "20.00",
          revenue_share_pct: "57.14",
          revenue_rank: 1,
          is_best_seller: true,
          is_worst_seller: true,
          revenue_last_28d: "20.00",
          revenue_prev_28d: "0",
          trend_pct: null
        },
        {
          product_name: "Croissant",
          current_price: "2.50",
          orders: 4,
          units: 6,
          revenue: "15.00",
          revenue_share_pct: "42.86",
          revenue_rank: 2,
          is_best_seller: true,
          is_worst_seller: true,
          revenue_last_28d: "7.50",
          revenue_prev_28d: "0",
          trend_pct: null
        }
      ])
    })
  )
})
