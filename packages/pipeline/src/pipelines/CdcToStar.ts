import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import type { ChangeEvent, ChangeId } from "@brewlytics/domain/Changes.ts"
import { Effect, Option, Schema } from "effect"
import { BatchLimit, lagSince } from "../cdc/Cdc.ts"
import { extract, readBound, readWatermark } from "../cdc/Extract.ts"
import { loadBatch } from "../cdc/Load.ts"
import { CdcPrefetch, Prepared } from "../cdc/Prefetch.ts"
import { transform } from "../cdc/Transform.ts"
import { Bound, CDC_PIPELINE, ChangeBatch, Lag, LOAD_STEP, LoadPlan, LoadResult, Watermark } from "../cdc/Types.ts"
import * as Pipeline from "../dsl/Pipeline.ts"
import { PipelineRun } from "../dsl/Pipeline.ts"
import * as Step from "../dsl/Step.ts"

/**
 * `cdc_to_star`: the change log into the star schema, one bounded batch per
 * run. The OLTP bound is fixed before anything writes to OLAP (xids are
 * cluster-wide), and `load_star` writes dimensions, facts and the new
 * watermark in one OLAP transaction, so a retried or interrupted run never
 * loads a change twice or half.
 */

// The code whose SQL decides what lands in the warehouse: part of the version hash.
const CDC_SOURCES = [
  "packages/pipeline/src/cdc/Extract.ts",
  "packages/pipeline/src/cdc/Transform.ts",
  "packages/pipeline/src/cdc/Load.ts",
  "packages/pipeline/src/cdc/load/DeadLetters.ts",
  "packages/pipeline/src/cdc/load/Dimensions.ts",
  "packages/pipeline/src/cdc/load/Facts.ts",
  "packages/pipeline/src/cdc/load/Inventory.ts",
  "packages/pipeline/src/cdc/load/RawCopies.ts",
  "packages/pipeline/src/cdc/load/Sql.ts",
  "packages/pipeline/src/cdc/Snapshot.ts",
  "packages/pipeline/src/cdc/Prefetch.ts",
  "sql/oltp/V2__change_log.sql",
  "sql/olap/V2__star.sql"
]

export const readOltpBound = Step.make("read_bound", {
  description: "pg_current_snapshot() of OLTP, before any OLAP write",
  input: {},
  output: Bound,
  run: Effect.fn("CdcToStar.readOltpBound")(function* () {
    if ((yield* PipelineRun).params._tag === "Backfill") {
      // A backfill must move the watermark to commit at all: give OLTP a
      // transaction of its own so the bound moves even on an idle shop.
      const oltp = yield* OltpSql
      // As text: @effect/sql-pg reads results in binary and has no xid8 codec, so a bare
      // xid8 is decoded as UTF-8 text and fails whenever its 8 bytes are not valid UTF-8.
      yield* oltp.withTransaction(oltp`SELECT pg_current_xact_id()::text`)
    }
    return yield* readBound
  }),
  sqlFiles: ["packages/pipeline/src/cdc/Extract.ts"]
})

export const readStarWatermark = Step.make("read_watermark", {
  description: "the OLTP snapshot the star schema holds",
  input: {},
  output: Watermark,
  run: () => readWatermark(CDC_PIPELINE)
})

// Far above any real change-log id, so a replayed row's state sorts after every real change of it.
const REPLAY_ID_BASE = 2n ** 62n

/**
 * A backfill's extra events: the current OLTP state of every order of the
 * business dates `from`..`to` (UTC), with its items and payments, as updates,
 * and a delete for each such row the warehouse holds that OLTP no longer has.
 * Loaded after the real changes of the batch, they re-derive those orders'
 * facts from OLTP. State read after the batch's bound is never older than
 * what the batch loads, so nothing regresses.
 */
export const replayRange = Effect.fn("CdcToStar.replayRange")(function* (from: string, to: string) {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const [now] = yield* oltp<{ at: string }>`SELECT clock_timestamp()::text AS at`
  const live = yield* oltp<{ table: string; id: string; row: Record<string, unknown> }>`
    WITH o AS (
      SELECT * FROM orders WHERE (order_time AT TIME ZONE 'UTC')::date BETWEEN ${from}::date AND ${to}::date)
    SELECT 'orders' AS table, o.id::text AS id, to_jsonb(o) AS row FROM o
    UNION ALL
    SELECT 'order_items', i.id::text, to_jsonb(i) FROM order_items i JOIN o ON o.id = i.order_id
    UNION ALL
    SELECT 'payments', p.id::text, to_jsonb(p) FROM payments p JOIN o ON o.id = p.order_id`
  const held = yield* olap<{ table: string; id: string }>`
    WITH o AS (
      SELECT order_id FROM raw_orders WHERE (order_time AT TIME ZONE 'UTC')::date BETWEEN ${from}::date AND ${to}::date)
    SELECT 'orders' AS table, order_id::text AS id FROM o
    UNION ALL
    SELECT 'order_items', i.order_item_id::text FROM raw_order_items i JOIN o USING (order_id)
    UNION ALL
    SELECT 'payments', p.payment_id::text FROM raw_payments p JOIN o USING (order_id)`
  const liveKeys = new Set(live.map((r) => `${r.table}/${r.id}`))
  // Children before parents for deletes, parents before children for updates.
  const order = ["payments", "order_items", "orders"]
  const gone = held
    .filter((r) => !liveKeys.has(`${r.table}/${r.id}`))
    .sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table))
  let next = REPLAY_ID_BASE
  const event = (
    table: string,
    op: "UPDATE" | "DELETE",
    after: Record<string, unknown> | null,
    before: Record<string, unknown> | null
  ): ChangeEvent => ({ id: next++ as ChangeId, xid: "0", table, op, after, before, changedAt: now!.at })
  return [
    ...gone.map((r) => event(r.table, "DELETE", null, { id: Number(r.id) })),
    ...live.map((r) => event(r.table, "UPDATE", r.row, r.row))
  ]
})

export const ReadAhead = Schema.NullOr(Prepared)

export const takeReadAhead = Step.make("take_read_ahead", {
  description:
    "the batch an earlier run read ahead from this watermark, extracted and transformed (none in a backfill)",
  input: { from: Watermark },
  output: ReadAhead,
  run: Effect.fn("CdcToStar.takeReadAhead")(function* ({ from }) {
    if ((yield* PipelineRun).params._tag === "Backfill") return null
    return Option.getOrNull(yield* (yield* CdcPrefetch).take(from))
  })
})

export const extractChanges = Step.make("extract_changes", {
  description:
    "committed changes between watermark and bound, whole transactions, unless read ahead (a backfill adds its dates' orders)",
  input: { from: Watermark, to: Bound, ahead: ReadAhead },
  output: ChangeBatch,
  run: Effect.fn("CdcToStar.extractChanges")(function* ({ from, to, ahead }) {
    if (ahead !== null) return ahead.batch
    const run = yield* PipelineRun
    const batch = yield* extract({ from, to, limit: yield* BatchLimit })
    if (run.params._tag !== "Backfill") return batch
    // A backlog first: the dates are replayed once the batch has caught up.
    if (batch.truncated) return batch
    const replay = yield* replayRange(run.params.from, run.params.to)
    return { ...batch, events: [...batch.events, ...replay] }
  }),
  sqlFiles: CDC_SOURCES
})

export const transformChanges = Step.make("transform_changes", {
  description: "latest state per row in change-log order, unless read ahead; undecodable changes become dead letters",
  input: { batch: ChangeBatch, ahead: ReadAhead },
  output: LoadPlan,
  run: ({ batch, ahead }) => Effect.sync(() => ahead?.plan ?? transform(batch))
})

/**
 * A truncated batch (a backlog): the next one is extracted and transformed
 * while this one loads, for the next run to take (`CdcPrefetch`). Not for a
 * backfill, whose batches carry replayed orders.
 */
export const readAhead = Step.make("read_ahead", {
  description: "behind a truncated batch, the next one extracted and transformed while this one loads",
  input: { batch: ChangeBatch, to: Bound },
  output: Schema.Boolean,
  run: Effect.fn("CdcToStar.readAhead")(function* ({ batch, to }) {
    if (!batch.truncated || (yield* PipelineRun).params._tag === "Backfill") return false
    yield* (yield* CdcPrefetch).ahead(batch, to, yield* BatchLimit)
    return true
  })
})

export const LoadOutcome = Schema.Struct({
  result: LoadResult,
  /** Another runner moved the watermark first (it loaded this batch) or holds the lease now: nothing was written here. */
  superseded: Schema.Boolean,
  /** In cluster mode: this runner lost the pipeline's lease; its owner now loads the next batch, not this runner. */
  leaseLost: Schema.Boolean
})

const nothing = { events: 0, rows: 0, deadLetters: 0, orders: 0 }

export const loadStar = Step.make(LOAD_STEP, {
  description: "dimensions (SCD2), facts and the watermark compare-and-set in one OLAP transaction",
  input: { plan: LoadPlan },
  output: LoadOutcome,
  run: ({ plan }) =>
    loadBatch(plan).pipe(
      Effect.map((result) => ({ result, superseded: false, leaseLost: false })),
      Effect.catchReasons("CdcError", {
        WatermarkMoved: () => Effect.succeed({ result: nothing, superseded: true, leaseLost: false }),
        LeaseLost: () => Effect.succeed({ result: nothing, superseded: true, leaseLost: true })
      })
    )
})

/**
 * Beside the load, not after it: the lag is measured against the watermark the
 * batch commits (`plan.to`) and reads OLTP only, so the run ends when the load
 * does and the next batch starts no later.
 */
export const measureLag = Step.make("measure_lag", {
  description: "committed changes still waiting behind this batch's watermark, and their age",
  input: { plan: LoadPlan },
  output: Lag,
  run: ({ plan }) => lagSince(plan.to)
})

export const CdcRunReport = Schema.Struct({
  events: Schema.Int,
  rows: Schema.Int,
  deadLetters: Schema.Int,
  orders: Schema.Int,
  more: Schema.Boolean,
  /** The next batch is being prepared already (a backlog). */
  readAhead: Schema.Boolean,
  lag: Lag,
  /** Another runner moved the watermark first: this batch's commit was refused, nothing was written. */
  superseded: Schema.Boolean
})

export const reportBatch = Step.make("report_batch", {
  input: { batch: ChangeBatch, loaded: LoadOutcome, lag: Lag, readAhead: Schema.Boolean },
  output: CdcRunReport,
  run: ({ batch, loaded, lag, readAhead }) =>
    Effect.succeed({
      events: loaded.result.events,
      rows: loaded.result.rows,
      deadLetters: loaded.result.deadLetters,
      orders: loaded.result.orders,
      // A truncated batch, or one another runner took, means: run again now.
      // A runner that lost its lease does not: it is about to stop running the pipeline.
      more: !loaded.leaseLost && (batch.truncated || loaded.superseded),
      readAhead,
      lag,
      superseded: loaded.superseded
    })
})

const bound = Step.source(readOltpBound)
const watermark = Step.source(readStarWatermark)
const ahead = takeReadAhead({ from: watermark })
const batch = extractChanges({ from: watermark, to: bound, ahead })
const plan = transformChanges({ batch, ahead })
const loaded = loadStar({ plan })

export const cdcToStar = Pipeline.make(CDC_PIPELINE, {
  description: "OLTP change log → star schema, exactly once, one bounded batch per run",
  output: reportBatch({ batch, loaded, lag: measureLag({ plan }), readAhead: readAhead({ batch, to: bound }) }),
  summary: (report) => ({
    rowsRead: report.events,
    rowsWritten: report.rows,
    lagEvents: report.lag.events,
    lagSeconds: report.lag.seconds,
    more: report.more,
    superseded: report.superseded
  })
})

/**
 * OLTP V5's wake-up flag: captures notify only while it is armed. The runner
 * disarms it when a notification wakes it (a rush then costs no NOTIFY per
 * commit) and arms it again once it has caught up.
 */
export const cdcWakeup = {
  arm: Effect.flatMap(OltpSql, (sql) =>
    sql`UPDATE change_log_wakeup SET armed = true WHERE NOT armed`.pipe(Effect.asVoid)
  ),
  disarm: Effect.flatMap(OltpSql, (sql) =>
    sql`UPDATE change_log_wakeup SET armed = false WHERE armed`.pipe(Effect.asVoid)
  )
}
