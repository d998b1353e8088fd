import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_employee_performance", (it) => {
  it.effect("mart_employee_performance: orders, revenue and per-shift-hour figures", () =>
    Effect.gen(function* () {
      yield* buildAll
      const staff = yield* rows(`SELECT name, orders, units, revenue::text, avg_basket_value::text, shift_hours,
          orders_per_shift_hour::text, revenue_per_shift_hour::text FROM marts.mart_employee_performance ORDER BY name`)
      assert.deepStrictEqual(staff, [
        {
          name: "Eve",
          orders: 3,
          units: 7,
          revenue: "22.50",
          avg_basket_value: "7.50",
          shift_hours: 3,
          orders_per_shift_hour: "1.00",
          revenue_per_shift_hour: "7.50"
        },
        {
          name: "Finn",
          orders: 3,
          units: 5,
          revenue: "12.50",
          avg_basket_value: "4.17",
          shift_hours: 3,
          orders_per_shift_hour: "1.00",
          revenue_per_shift_hour: "4.17"
        }
      ])
    })
  )
})
