import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { runOnce } from "../../src/pipelines/RunCdcToStar.ts"
import { reconcile } from "../../src/Reconcile.ts"
import { placeOrders, seedShop } from "./Shop.ts"

const drain = (limit?: number) =>
  Effect.gen(function* () {
    let batches = 0
    while (true) {
      const r = yield* runOnce(limit === undefined ? {} : { limit })
      batches++
      if (!r.more) return batches
    }
  })

describe("cdc load", () => {
  it.effect("loads the seed and orders into the star schema, equal to OLTP", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(200)
      yield* drain()
      const r = yield* reconcile()
      assert.deepStrictEqual(
        r.checks.filter((c) => !c.ok),
        []
      )
      const olap = yield* OlapSql
      const [f] = yield* olap<{ n: number }>`SELECT count(*)::int AS n FROM fact_sales`
      assert.isAbove(f!.n, 200)
    }).pipe(Effect.provide(TestDatabases))
  )
})
