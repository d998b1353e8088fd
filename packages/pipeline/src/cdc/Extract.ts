import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import type { ChangeEvent } from "@brewlytics/domain/Changes.ts"
import { Effect, Schema } from "effect"
import { advance, formatSnapshot, parseSnapshot } from "./Snapshot.ts"
import {
  BadWatermark,
  type Bound,
  CDC_PIPELINE,
  CdcError,
  type ChangeBatch,
  SnapshotText,
  type Watermark,
  WatermarkMissing
} from "./Types.ts"

/**
 * The OLTP snapshot this batch reads up to. Taken first, before the OLAP write
 * transaction opens: xids are cluster-wide, so on a shared server our own open
 * OLAP transaction would otherwise sit in the bound's in-progress list.
 */
export const readBound: Effect.Effect<Bound, import("effect/sql").SqlError.SqlError, OltpSql> = Effect.gen(
  function* () {
    const sql = yield* OltpSql
    const [row] = yield* sql<{ snapshot: string }>`SELECT pg_current_snapshot()::text AS snapshot`
    return { snapshot: row!.snapshot }
  }
).pipe(Effect.withSpan("cdc.readBound"))

export const readWatermark = Effect.fn("cdc.readWatermark")(function* (pipeline: string = CDC_PIPELINE) {
  const sql = yield* OlapSql
  const rows = yield* sql<{ snapshot: string }>`SELECT snapshot FROM pipeline_watermark WHERE pipeline = ${pipeline}`
  if (rows.length === 0) {
    return yield* new CdcError({ reason: new WatermarkMissing({ pipeline }) })
  }
  const snapshot = rows[0]!.snapshot
  if (!Schema.is(SnapshotText)(snapshot)) {
    return yield* new CdcError({ reason: new BadWatermark({ pipeline, snapshot }) })
  }
  return { pipeline, snapshot } satisfies Watermark
})

interface Row {
  readonly id: bigint
  readonly xid: string
  readonly table: string
  readonly op: ChangeEvent["op"]
  readonly after: Record<string, unknown> | null
  readonly before: Record<string, unknown> | null
  readonly changedAt: string
}

/**
 * The changes of transactions committed in `to` and not yet in `from`, whole
 * transactions in xid order up to about `limit` events, returned in change-log
 * id order (the order one row's changes happened in; xid order is not).
 */
export const extract = Effect.fn("cdc.extract")(function* (options: {
  readonly from: Watermark
  readonly to: Bound
  readonly limit: number
}) {
  const sql = yield* OltpSql
  const from = parseSnapshot(options.from.snapshot)
  const bound = parseSnapshot(options.to.snapshot)
  const lo = from.xmin.toString()
  const hi = bound.xmax.toString()
  // Pending = visible in the bound, not in the watermark; the xid range lets the index do the work.
  const pending = sql`xid >= ${lo}::xid8 AND xid < ${hi}::xid8
    AND pg_visible_in_snapshot(xid, ${options.to.snapshot}::pg_snapshot)
    AND NOT pg_visible_in_snapshot(xid, ${options.from.snapshot}::pg_snapshot)`
  const edge = yield* sql<{ xid: string }>`
    SELECT xid::text AS xid FROM change_log WHERE ${pending}
    ORDER BY xid OFFSET ${Math.max(0, options.limit - 1)} LIMIT 2`
  // Two rows past the limit's edge: more than `limit` wait, so cut after the edge's whole transaction.
  const cutoff = edge.length === 2 ? BigInt(edge[0]!.xid) : undefined
  const rows = yield* sql<Row>`
    SELECT id, xid::text AS xid, table_name AS "table", op, row_after AS after, row_before AS before,
           changed_at::text AS "changedAt"
    FROM change_log
    WHERE ${pending} ${cutoff === undefined ? sql`` : sql`AND xid <= ${cutoff.toString()}::xid8`}
    ORDER BY id`
  const to = formatSnapshot(advance(from, bound, cutoff))
  return {
    from: options.from,
    to: { pipeline: options.from.pipeline, snapshot: to },
    truncated: cutoff !== undefined,
    events: rows as unknown as ReadonlyArray<ChangeEvent>
  } satisfies ChangeBatch
})
