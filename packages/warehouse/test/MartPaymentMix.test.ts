import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_payment_mix", (it) => {
  it.effect("mart_payment_mix: each method's amount and share of the day", () =>
    Effect.gen(function* () {
      yield* buildAll
      const mix = yield* rows(`SELECT date::text, payment_method, amount::text, share_of_day_pct::text
        FROM marts.mart_payment_mix WHERE date = '2026-03-02' ORDER BY payment_method`)
      assert.deepStrictEqual(mix, [
        { date: "2026-03-02", payment_method: "card", amount: "8.50", share_of_day_pct: "62.96" },
        { date: "2026-03-02", payment_method: "cash", amount: "5.00", share_of_day_pct: "37.04" }
      ])
    })
  )
})
