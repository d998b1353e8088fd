import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Tracer } from "effect"
import { DeadLetters } from "../src/dsl/DeadLetters.ts"
import * as Pipeline from "../src/dsl/Pipeline.ts"
import { modelsLag, warehouseModels } from "../src/pipelines/WarehouseModels.ts"

/** The names of the spans a run opened, in order: what it did, as its tracing shows it. */
const spansOf = <A, E, R>(effect: Effect.Effect<A, E, R>) => {
  const names: Array<string> = []
  const tracer = Tracer.make({
    span(options) {
      names.push(options.name)
      return new Tracer.NativeSpan(options)
    }
  })
  return effect.pipe(
    Effect.provideService(Tracer.Tracer, tracer),
    Effect.map((value) => ({ value, names }))
  )
}

const runOnce = (runId: string) =>
  spansOf(
    Pipeline.run(warehouseModels, {
      pipeline: warehouseModels.name,
      runId,
      version: "test",
      params: { _tag: "Incremental" },
      trigger: "after"
    })
  ).pipe(
    // Each run reads the model files once and claims the triggers' marks once, whatever it builds.
    Effect.tap(({ names }) =>
      Effect.sync(() => {
        assert.strictEqual(names.filter((n) => n === "ModelGraph.load").length, 1, "model files loaded once")
        assert.strictEqual(names.filter((n) => n === "Builder.claimChangedDays").length, 1, "marks claimed once")
      })
    ),
    Effect.map(({ value }) => warehouseModels.summary(value.output))
  )

layer(DeadLetters.layer.pipe(Layer.provideMerge(TestDatabases)))("warehouse_models", (it) => {
  it.effect("builds every model on a fresh warehouse, then what a write changed, then nothing", () =>
    Effect.gen(function* () {
      const sql = yield* OlapSql
      // Nothing changed, nothing built yet: every model is built (empty), nothing is read.
      const first = yield* runOnce("first")
      assert.strictEqual(first.rowsRead, 0)
      const [built] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('intermediate', 'marts') AND c.relkind = 'r'`
      assert.strictEqual(built!.n, 15)
      // Any writer's change is marked by the triggers: a payment written by hand.
      yield* sql`INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method,
          payment_status, date_id, recorded_at)
        VALUES (1, 1, 1, 4.50, 'card', 'paid', 20261120, '2026-11-20 09:00:00+00')`
      assert.deepStrictEqual((yield* modelsLag).events, 1)
      const second = yield* runOnce("second")
      // Two models read fact_payments (int_daily_payments, mart_payment_mix): one day each.
      assert.strictEqual(second.rowsRead, 2)
      const mix = yield* sql<{ payment_method: string; amount: string }>`
        SELECT payment_method, amount::text FROM marts.mart_payment_mix`
      assert.deepStrictEqual(mix, [{ payment_method: "card", amount: "4.50" }])
      assert.strictEqual((yield* modelsLag).events, 0)
      const third = yield* runOnce("third")
      assert.deepStrictEqual([third.rowsRead, third.rowsWritten], [0, 0])
    })
  )
})
