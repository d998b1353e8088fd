import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Layer, Option } from "effect"
import { BatchLimit } from "../../src/cdc/Cdc.ts"
import { readBound, readWatermark } from "../../src/cdc/Extract.ts"
import { loadBatch } from "../../src/cdc/Load.ts"
import { CdcPrefetch, prepare } from "../../src/cdc/Prefetch.ts"
import { DeadLetters } from "../../src/dsl/DeadLetters.ts"
import { runOnce } from "../../src/pipelines/RunCdcToStar.ts"
import { RunHistory } from "../../src/RunHistory.ts"
import { Runner } from "../../src/Runner.ts"
import { RunnerSettings } from "../../src/runner/Settings.ts"
import { assertReconciled, placeOrders, seedShop, warehouseDigest } from "./Shop.ts"

const LIMIT = 20

/** How often a run found its batch read ahead (`hits`) or had to extract it (`misses`). */
const taken = { hits: 0, misses: 0 }
const CountingPrefetch = Layer.effect(
  CdcPrefetch,
  Effect.map(CdcPrefetch, (prefetch: CdcPrefetch["Service"]) =>
    CdcPrefetch.of({
      ahead: prefetch.ahead,
      take: (from) =>
        prefetch
          .take(from)
          .pipe(Effect.tap((found) => Effect.sync(() => void (Option.isSome(found) ? taken.hits++ : taken.misses++))))
    })
  )
).pipe(Layer.provide(CdcPrefetch.layer))

/** The runner as `RunnerCore` builds it, with small batches, over a fresh seeded database pair. */
const runner = Runner.layer.pipe(
  Layer.provideMerge(
    Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CountingPrefetch, Layer.succeed(BatchLimit, LIMIT))
  ),
  Layer.provideMerge(
    Layer.succeed(RunnerSettings, {
      port: 0,
      host: "127.0.0.1",
      token: Option.none(),
      schedules: new Map(),
      stopGrace: Duration.seconds(30),
      afterIntervals: new Map(),
      nice: 0
    })
  ),
  Layer.provideMerge(Layer.effectDiscard(seedShop)),
  Layer.provideMerge(TestDatabases)
)

/** Runs cdc_to_star as the runner does through a backlog (again at once while `more`); returns the runs. */
const catchUp = Effect.gen(function* () {
  const { run } = yield* Runner
  let runs = 0
  while (true) {
    const outcome = yield* run("cdc_to_star", { trigger: "manual" })
    runs++
    assert.strictEqual(outcome.run.status, "succeeded", outcome.run.error ?? "")
    if (!outcome.more) return runs
  }
})

/** A backlog of many small transactions: batches are cut at whole transactions. */
const backlog = Effect.forEach([1, 2, 3, 4, 5, 6, 7, 8], (salt) => placeOrders(6, { salt }), { discard: true })

describe("cdc read-ahead", () => {
  it.effect("through a backlog each run takes the batch the run before prepared; all of it loads once", () =>
    Effect.gen(function* () {
      yield* catchUp
      yield* backlog
      taken.hits = 0
      taken.misses = 0
      const runs = yield* catchUp
      assert.isAbove(runs, 4, "the backlog spans several batches")
      // Only the first run of the backlog extracts its own batch; every later one was read ahead.
      assert.deepStrictEqual(taken, { hits: runs - 1, misses: 1 })
      yield* assertReconciled()
    }).pipe(Effect.provide(runner))
  )

  it.effect("a batch read ahead is dropped when the watermark moved elsewhere; nothing is lost or loaded twice", () =>
    Effect.gen(function* () {
      yield* catchUp
      yield* backlog
      const { run } = yield* Runner
      const first = yield* run("cdc_to_star", { trigger: "manual" })
      assert.isTrue(first.more)
      // Another loader takes the next batch behind the runner's back: the read-ahead is now stale.
      yield* runOnce({ limit: LIMIT })
      taken.hits = 0
      taken.misses = 0
      const next = yield* run("cdc_to_star", { trigger: "manual" })
      assert.strictEqual(next.run.status, "succeeded")
      assert.isAbove(next.run.rowsWritten, 0)
      assert.deepStrictEqual(taken, { hits: 0, misses: 1 }, "the stale batch was dropped and the run extracted its own")
      yield* catchUp
      yield* assertReconciled()
    }).pipe(Effect.provide(runner))
  )

  it.effect(
    "a batch taken from the read-ahead, then overtaken by another loader, is refused at load and writes nothing",
    () =>
      Effect.gen(function* () {
        yield* catchUp
        yield* backlog
        const prefetch = yield* CdcPrefetch
        const olap = yield* OlapSql
        const bound = yield* readBound
        const first = yield* prepare(yield* readWatermark(), bound, LIMIT)
        assert.isTrue(first.batch.truncated)
        yield* loadBatch(first.plan)
        yield* prefetch.ahead(first.batch, bound, LIMIT)
        // The watermark is where the read-ahead starts, so the batch is handed out…
        const taken = yield* prefetch.take(yield* readWatermark())
        assert.isTrue(Option.isSome(taken))
        const stale = Option.getOrThrow(taken)
        assert.isAbove(stale.plan.events, 0)
        // …and another loader commits that very batch before it loads: only the load's compare-and-set can tell.
        yield* runOnce({ limit: LIMIT })
        const watermark = () => olap`SELECT snapshot, batches, events FROM pipeline_watermark`
        const before = { digest: yield* warehouseDigest, watermark: yield* watermark() }
        const refused = yield* Effect.flip(loadBatch(stale.plan))
        assert.strictEqual(refused._tag, "CdcError")
        assert.strictEqual(refused._tag === "CdcError" ? refused.reason._tag : undefined, "WatermarkMoved")
        assert.deepStrictEqual({ digest: yield* warehouseDigest, watermark: yield* watermark() }, before)
        yield* catchUp
        yield* assertReconciled()
      }).pipe(Effect.provide(runner))
  )
})
