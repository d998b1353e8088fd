import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect, Fiber } from "effect"
import { extract, readBound, readWatermark } from "./Extract.ts"
import { loadBatch } from "./Load.ts"
import { parseSnapshot } from "./Snapshot.ts"
import { transform } from "./Transform.ts"
import {
  type BatchReport,
  type Bound,
  CDC_PIPELINE,
  type ChangeBatch,
  type Lag,
  type LoadPlan,
  type LoadResult,
  type Watermark
} from "./Types.ts"

/** Events per batch by default: large enough to amortise a transaction, small enough to keep it short. */
export const DEFAULT_LIMIT = 50_000

/** What one committed batch reports: where it started and ended, and what it loaded. */
const reportOf = (batch: ChangeBatch, loaded: LoadResult): BatchReport => ({
  pipeline: batch.from.pipeline,
  from: batch.from.snapshot,
  to: batch.to.snapshot,
  events: loaded.events,
  rows: loaded.rows,
  deadLetters: loaded.deadLetters,
  more: batch.truncated
})

/**
 * One bounded batch, end to end: fix the OLTP bound, read the watermark,
 * extract, transform, load (one OLAP transaction with the watermark
 * compare-and-set). `more` says that changes are still waiting.
 */
export const runOnce = Effect.fn("cdc.runOnce")(function* (
  options: { readonly limit?: number; readonly pipeline?: string } = {}
) {
  // Bound first: no OLAP transaction is open yet (xids are cluster-wide).
  const bound = yield* readBound
  const from = yield* readWatermark(options.pipeline ?? CDC_PIPELINE)
  const batch = yield* extract({ from, to: bound, limit: options.limit ?? DEFAULT_LIMIT })
  return reportOf(batch, yield* loadBatch(transform(batch)))
})

/** Time spent in each phase of `drain`, in milliseconds (extract and transform overlap the load). */
export interface DrainPhases {
  extract: number
  transform: number
  load: number
}

/**
 * Loads batch after batch until the changes committed when it started are in
 * (a backlog, a catch-up), extracting and transforming the next batch while
 * the current one loads: OLTP reads and decoding on one core, the OLAP load on
 * the other. The next batch continues from the watermark the current one is
 * committing, under the same bound (fixed before any OLAP transaction opened);
 * it is only loaded after that commit succeeded, and its own compare-and-set
 * checks the watermark again. If the commit fails, the prefetched batch is
 * dropped with the error.
 */
export const drain = Effect.fn("cdc.drain")(function* (
  options: {
    readonly limit?: number
    readonly pipeline?: string
    /** Called after each committed batch, e.g. to show progress. */
    readonly onBatch?: (report: BatchReport, phases: DrainPhases) => Effect.Effect<void>
  } = {}
) {
  const limit = options.limit ?? DEFAULT_LIMIT
  const phases: DrainPhases = { extract: 0, transform: 0, load: 0 }
  const timed = <A, E, R>(phase: keyof DrainPhases, effect: Effect.Effect<A, E, R>) =>
    Effect.suspend(() => {
      const started = performance.now()
      return Effect.ensuring(
        effect,
        Effect.sync(() => void (phases[phase] += performance.now() - started))
      )
    })
  const prepare = (from: Watermark, to: Bound) =>
    timed("extract", extract({ from, to, limit })).pipe(
      Effect.flatMap((batch) =>
        timed(
          "transform",
          Effect.sync(() => ({ batch, plan: transform(batch) }))
        )
      )
    )
  const bound = yield* readBound
  let next = yield* prepare(yield* readWatermark(options.pipeline ?? CDC_PIPELINE), bound)
  const reports: Array<BatchReport> = []
  while (true) {
    const { batch, plan }: { batch: typeof next.batch; plan: LoadPlan } = next
    const prefetch = batch.truncated ? yield* Effect.forkChild(prepare(batch.to, bound)) : undefined
    const loaded = yield* timed("load", loadBatch(plan))
    const report = reportOf(batch, loaded)
    reports.push(report)
    if (options.onBatch !== undefined) yield* options.onBatch(report, phases)
    if (prefetch === undefined) return { reports, phases }
    next = yield* Fiber.join(prefetch)
  }
})

/**
 * How far the warehouse is behind: committed changes not yet loaded, the age
 * of the oldest, and the age of the oldest open OLTP transaction that has
 * written (until it ends, every later change waits behind it).
 */
export const lag = Effect.fn("cdc.lag")(function* (pipeline: string = CDC_PIPELINE) {
  return yield* lagSince(yield* readWatermark(pipeline))
})

/** `lag` as of a known watermark (a batch's `to`): one OLTP statement, no OLAP read. */
export const lagSince = Effect.fn("cdc.lagSince")(function* (watermark: Watermark) {
  const oltp = yield* OltpSql
  const xmin = parseSnapshot(watermark.snapshot).xmin.toString()
  const [row] = yield* oltp<{ events: number; seconds: number | null; open: number | null }>`
    SELECT w.events, w.seconds, o.seconds AS open
    FROM (
      SELECT count(*)::int AS events, extract(epoch FROM now() - min(changed_at))::float8 AS seconds
      FROM change_log
      WHERE xid >= ${xmin}::xid8
        AND pg_visible_in_snapshot(xid, pg_current_snapshot())
        AND NOT pg_visible_in_snapshot(xid, ${watermark.snapshot}::pg_snapshot)
    ) w, (
      SELECT extract(epoch FROM now() - min(xact_start))::float8 AS seconds
      FROM pg_stat_activity
      WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    ) o`
  return {
    events: row!.events,
    seconds: Math.max(0, row!.seconds ?? 0),
    oldestOpenTransactionSeconds: Math.max(0, row!.open ?? 0)
  } satisfies Lag
})
