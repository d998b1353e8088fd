import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_customer_segments", (it) => {
  it.effect("mart_customer_segments: recency, frequency, money and the segment", () =>
    Effect.gen(function* () {
      yield* buildAll
      const customers = yield* rows(`SELECT name, first_order_date::text, last_order_date::text, orders, revenue::text,
          recency_days, segment FROM marts.mart_customer_segments ORDER BY name`)
      assert.deepStrictEqual(customers, [
        {
          name: "Ada",
          first_order_date: "2026-03-02",
          last_order_date: "2026-03-03",
          orders: 2,
          revenue: "12.00",
          recency_days: 2,
          segment: "new"
        },
        {
          name: "Ben",
          first_order_date: "2026-03-02",
          last_order_date: "2026-03-05",
          orders: 2,
          revenue: "15.50",
          recency_days: 0,
          segment: "new"
        },
        {
          name: "Cleo",
          first_order_date: "2025-11-03",
          last_order_date: "2026-01-05",
          orders: 2,
          revenue: "7.50",
          recency_days: 59,
          segment: "returning"
        }
      ])
    })
  )
})
