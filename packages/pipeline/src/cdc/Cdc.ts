import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect, Option } from "effect"
import { readBound, readWatermark } from "./Extract.ts"
import { loadBatch } from "./Load.ts"
import { makePrefetch, prepare } from "./Prefetch.ts"
import { parseSnapshot } from "./Snapshot.ts"
import { type BatchReport, CDC_PIPELINE, type ChangeBatch, type Lag, type LoadResult, type Watermark } from "./Types.ts"

/** Events per batch by default: large enough to amortise a transaction, small enough to keep it short. */
export const DEFAULT_LIMIT = 50_000

/** Events per batch of the runner's `cdc_to_star` (about: whole transactions): `DEFAULT_LIMIT` unless set (tests). */
export const BatchLimit = Context.Reference<number>("@brewlytics/pipeline/CdcBatchLimit", {
  defaultValue: () => DEFAULT_LIMIT
})

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
  const { batch, plan } = yield* prepare(from, bound, options.limit ?? DEFAULT_LIMIT)
  return reportOf(batch, yield* loadBatch(plan))
})

/**
 * Loads batch after batch until the changes committed when it started are in
 * (a backlog, a catch-up), reading the next batch ahead while the current one
 * loads (`CdcPrefetch`, as the runner's `cdc_to_star` does): OLTP reads and
 * decoding on one core, the OLAP load on the other. Every batch is under the
 * bound fixed first, before any OLAP transaction opened; a batch read ahead is
 * used only if the watermark is where it starts, and its own compare-and-set
 * checks that again, so a failed commit or another loader costs the read-ahead
 * only.
 */
export const drain = Effect.fn("cdc.drain")(function* (
  options: { readonly limit?: number; readonly pipeline?: string } = {}
) {
  const limit = options.limit ?? DEFAULT_LIMIT
  const pipeline = options.pipeline ?? CDC_PIPELINE
  return yield* Effect.scoped(
    Effect.gen(function* () {
      const prefetch = yield* makePrefetch
      const bound = yield* readBound
      const reports: Array<BatchReport> = []
      while (true) {
        const from = yield* readWatermark(pipeline)
        const ahead = yield* prefetch.take(from)
        const { batch, plan } = Option.isSome(ahead) ? ahead.value : yield* prepare(from, bound, limit)
        if (batch.truncated) yield* prefetch.ahead(batch, bound, limit)
        reports.push(reportOf(batch, yield* loadBatch(plan)))
        if (!batch.truncated) return { reports }
      }
    })
  )
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
  // The current snapshot built once (in the WHERE clause it would be built again for every row).
  const [row] = yield* oltp<{ events: number; seconds: number | null; open: number | null }>`
    WITH now_ AS MATERIALIZED (SELECT pg_current_snapshot() AS s)
    SELECT w.events, w.seconds, o.seconds AS open
    FROM (
      SELECT count(*)::int AS events, extract(epoch FROM now() - min(changed_at))::float8 AS seconds
      FROM change_log
      WHERE xid >= ${xmin}::xid8 AND xid < (SELECT pg_snapshot_xmax(s) FROM now_)
        AND pg_visible_in_snapshot(xid, (SELECT s FROM now_))
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
