import { OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { runGraph, testGraph } from "../src/Builder.ts"
import { marts, originals } from "../src/DashboardQueries.ts"
import { reconcileDaily } from "../src/Reconciliation.ts"
import { buildAll, quiet, rows } from "./marts.ts"
import { seedOltp } from "./star.ts"

layer(TestDatabases)("the shop's marts, on a hand-computed shop", (it) => {
  it.effect("every model builds and every data test passes", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      const results = yield* testGraph(sql, graph, graph.order, quiet)
      assert.deepStrictEqual(
        results.filter((r) => r.failures > 0),
        []
      )
      assert.isAbove(results.length, 60)
    })
  )

  it.effect("the original dashboards' queries on the star give the same numbers as the marts", () =>
    Effect.gen(function* () {
      yield* buildAll
      for (const original of originals) {
        const fromMarts = marts.find((m) => m.name === original.name)!
        const expected = yield* rows(original.sql)
        const actual = yield* rows(fromMarts.sql)
        assert.deepStrictEqual(
          JSON.stringify(actual),
          JSON.stringify(expected),
          `${original.name}: the marts disagree with the star schema`
        )
      }
      const daily = yield* rows(originals[0]!.sql)
      assert.strictEqual(daily.length, 5)
      const payments = yield* rows(originals[4]!.sql)
      assert.deepStrictEqual(
        payments.map((p) => [p.payment_method, p.amount]),
        [
          ["card", "17.00"],
          ["cash", "7.50"],
          ["mobile", "10.50"]
        ]
      )
    })
  )

  it.effect("reconciliation: per-day revenue, units and orders equal OLTP, and a drift is named by day", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      yield* seedOltp(yield* OltpSql)
      const ok = yield* reconcileDaily()
      assert.strictEqual(ok.days, 5)
      assert.deepStrictEqual(ok.differences, [])
      // A fact lost by a faulty load: the warehouse now disagrees on 2026-03-03.
      yield* sql`DELETE FROM fact_sales WHERE order_item_id = 4`
      yield* runGraph(sql, graph, graph.order, { incremental: false, onProgress: quiet })
      const drift = yield* reconcileDaily()
      assert.deepStrictEqual(drift.differences, [
        { day: "2026-03-03", measure: "orders", oltp: "1", warehouse: "0" },
        { day: "2026-03-03", measure: "units", oltp: "1", warehouse: "0" },
        { day: "2026-03-03", measure: "revenue", oltp: "3.50", warehouse: "0.00" }
      ])
    })
  )
})
