import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect } from "effect"
import { readWatermark } from "./Extract.ts"
import { parseSnapshot } from "./Snapshot.ts"
import { CDC_PIPELINE, type Lag, type Watermark } from "./Types.ts"

/** Events per batch by default: large enough to amortise a transaction, small enough to keep it short. */
export const DEFAULT_LIMIT = 50_000

/** Events per batch of the runner's `cdc_to_star` (about: whole transactions): `DEFAULT_LIMIT` unless set (tests). */
export const BatchLimit = Context.Reference<number>("@brewlytics/pipeline/CdcBatchLimit", {
  defaultValue: () => DEFAULT_LIMIT
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
