import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_sales_by_hour", (it) => {
  it.effect("mart_sales_by_hour: weekday × hour totals and averages per such weekday", () =>
    Effect.gen(function* () {
      yield* buildAll
      const slots =
        yield* rows(`SELECT day_name, hour, daypart, orders, revenue::text, days, avg_orders::text, busyness_rank, is_peak
        FROM marts.mart_sales_by_hour ORDER BY day_of_week, hour`)
      assert.deepStrictEqual(slots, [
        // 18 Mondays from 2025-11-03 to 2026-03-02.
        {
          day_name: "Monday",
          hour: 8,
          daypart: "morning rush",
          orders: 2,
          revenue: "13.50",
          days: 18,
          avg_orders: "0.11",
          busyness_rank: 1,
          is_peak: true
        },
        {
          day_name: "Monday",
          hour: 9,
          daypart: "morning rush",
          orders: 1,
          revenue: "2.50",
          days: 18,
          avg_orders: "0.06",
          busyness_rank: 2,
          is_peak: true
        },
        {
          day_name: "Monday",
          hour: 10,
          daypart: "late morning",
          orders: 1,
          revenue: "5.00",
          days: 18,
          avg_orders: "0.06",
          busyness_rank: 2,
          is_peak: true
        },
        {
          day_name: "Tuesday",
          hour: 12,
          daypart: "lunch",
          orders: 1,
          revenue: "3.50",
          days: 18,
          avg_orders: "0.06",
          busyness_rank: 1,
          is_peak: true
        },
        {
          day_name: "Thursday",
          hour: 12,
          daypart: "lunch",
          orders: 1,
          revenue: "10.50",
          days: 18,
          avg_orders: "0.06",
          busyness_rank: 1,
          is_peak: true
        }
      ])
    })
  )
})
