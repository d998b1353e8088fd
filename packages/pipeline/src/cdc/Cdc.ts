import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect } from "effect"
import { extract, readBound, readWatermark } from "./Extract.ts"
import { loadBatch } from "./Load.ts"
import { parseSnapshot } from "./Snapshot.ts"
import { transform } from "./Transform.ts"
import { type BatchReport, CDC_PIPELINE, type Lag } from "./Types.ts"

/** Events per batch by default: large enough to amortise a transaction, small enough to keep it short. */
export const DEFAULT_LIMIT = 50_000

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
  const loaded = yield* loadBatch(transform(batch))
  return {
    pipeline: from.pipeline,
    from: from.snapshot,
    to: batch.to.snapshot,
    events: loaded.events,
    rows: loaded.rows,
    deadLetters: loaded.deadLetters,
    more: batch.truncated
  } satisfies BatchReport
})

/**
 * How far the warehouse is behind: committed changes not yet loaded, the age
 * of the oldest, and the age of the oldest open OLTP transaction that has
 * written (until it ends, every later change waits behind it).
 */
export const lag = Effect.fn("cdc.lag")(function* (pipeline: string = CDC_PIPELINE) {
  const oltp = yield* OltpSql
  const watermark = yield* readWatermark(pipeline)
  const xmin = parseSnapshot(watermark.snapshot).xmin.toString()
  const [waiting] = yield* oltp<{ events: number; seconds: number | null }>`
    SELECT count(*)::int AS events, extract(epoch FROM now() - min(changed_at))::float8 AS seconds
    FROM change_log
    WHERE xid >= ${xmin}::xid8
      AND pg_visible_in_snapshot(xid, pg_current_snapshot())
      AND NOT pg_visible_in_snapshot(xid, ${watermark.snapshot}::pg_snapshot)`
  const [open] = yield* oltp<{ seconds: number | null }>`
    SELECT extract(epoch FROM now() - min(xact_start))::float8 AS seconds
    FROM pg_stat_activity
    WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()`
  return {
    events: waiting!.events,
    seconds: Math.max(0, waiting!.seconds ?? 0),
    oldestOpenTransactionSeconds: Math.max(0, open!.seconds ?? 0)
  } satisfies Lag
})
