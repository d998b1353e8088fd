import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { testGraph } from "../src/Builder.ts"
import { marts, originals } from "../src/DashboardQueries.ts"
import { buildAll, quiet, rows } from "./marts.ts"

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
})
