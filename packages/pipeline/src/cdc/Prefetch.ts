import type { OltpSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect, Exit, Fiber, Layer, Option, Schema, type Scope } from "effect"
import { extract } from "./Extract.ts"
import { transform } from "./Transform.ts"
import { type Bound, ChangeBatch, LoadPlan, type Watermark } from "./Types.ts"

/** A batch read and decoded, ready to load: what is prepared while the previous batch loads. */
export const Prepared = Schema.Struct({ batch: ChangeBatch, plan: LoadPlan })
export type Prepared = typeof Prepared.Type

/** Extracts and transforms the changes from `from` up to `to`: everything of a batch but its load. */
export const prepare = Effect.fn("cdc.prepare")(function* (from: Watermark, to: Bound, limit: number) {
  const batch = yield* extract({ from, to, limit })
  return { batch, plan: transform(batch) } satisfies Prepared
})

/**
 * Reading ahead for the runner's `cdc_to_star`, one bounded batch per run:
 * while a truncated batch loads (OLAP, one core), the next one is extracted
 * and transformed (OLTP and this process, the other core), and the next run
 * takes it if it starts where that batch ended. Through a backlog, runs then
 * cost their load alone, as in `drain`. A batch read ahead is never trusted
 * beyond that: it is dropped when the watermark is elsewhere (the load failed,
 * another runner moved it), and the load's compare-and-set checks it again.
 */
export class CdcPrefetch extends Context.Service<
  CdcPrefetch,
  {
    /** Starts preparing the batch after `batch` (from its end, under the same `bound`), in the background. */
    readonly ahead: (batch: ChangeBatch, bound: Bound, limit: number) => Effect.Effect<void, never, OltpSql>
    /** The batch prepared from `from`, if one was started there: taken (waiting for it if need be). */
    readonly take: (from: Watermark) => Effect.Effect<Option.Option<Prepared>>
  }
>()("@brewlytics/pipeline/CdcPrefetch") {
  static readonly layer = Layer.effect(
    CdcPrefetch,
    Effect.suspend(() => makePrefetch)
  )
}

/** A read-ahead of its own: the runner's layer makes one, and so does each `drain`. */
export const makePrefetch: Effect.Effect<CdcPrefetch["Service"], never, Scope.Scope> = Effect.gen(function* () {
  // Reads ahead live in the scope this is made in (the runner's layer, a drain): they outlive the run
  // that started them, not the runner.
  const scope = yield* Effect.scope
  let pending: { readonly from: Watermark; readonly fiber: Fiber.Fiber<Prepared, unknown> } | undefined
  const drop = Effect.suspend(() => {
    const stale = pending
    pending = undefined
    return stale === undefined ? Effect.void : Fiber.interrupt(stale.fiber)
  })
  return CdcPrefetch.of({
    ahead: (batch, bound, limit) =>
      drop.pipe(
        Effect.andThen(Effect.forkIn(prepare(batch.to, bound, limit), scope)),
        Effect.flatMap((fiber) =>
          Effect.sync(() => {
            pending = { from: batch.to, fiber }
          })
        )
      ),
    take: (from) =>
      Effect.suspend(() => {
        const ahead = pending
        if (ahead === undefined || ahead.from.pipeline !== from.pipeline || ahead.from.snapshot !== from.snapshot) {
          return drop.pipe(Effect.as(Option.none()))
        }
        pending = undefined
        // A read ahead that failed is no loss: the run extracts the batch itself.
        return Fiber.await(ahead.fiber).pipe(Effect.map((exit) => Exit.getSuccess(exit)))
      })
  })
})
