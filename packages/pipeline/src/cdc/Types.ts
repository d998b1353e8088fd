import { ChangeEvent, ChangeId, ChangeOp, ChangeRows } from "@brewlytics/domain/Changes.ts"
import { Schema } from "effect"

/** The pipeline whose watermark a batch moves; `cdc_to_star` unless a test or backfill names another. */
export const CDC_PIPELINE = "cdc_to_star"

/** The step that loads a batch: the dead letters of the load are its items, keyed by change id. */
export const LOAD_STEP = "load_star"

/** The LISTEN/NOTIFY channel the OLTP change log notifies on every committed write. */
export const CHANGES_CHANNEL = "brewlytics_changes"

/** `pg_snapshot` text: `xmin:xmax:xip,…`. */
export const SnapshotText = Schema.String.check(
  Schema.isPattern(/^\d+:\d+:(\d+(,\d+)*)?$/, { message: "must be pg_snapshot text such as 10:20:12,15" })
)

/** The OLTP snapshot a batch reads up to: fixed before any OLAP write transaction opens. */
export const Bound = Schema.Struct({ snapshot: SnapshotText })
export type Bound = typeof Bound.Type

/** The set of OLTP transactions whose changes the warehouse holds, as a snapshot. */
export const Watermark = Schema.Struct({ pipeline: Schema.String, snapshot: SnapshotText })
export type Watermark = typeof Watermark.Type

/** Changes of the transactions visible in `to` and not in `from`, in change-log order. */
export const ChangeBatch = Schema.Struct({
  from: Watermark,
  /** The watermark once this batch is loaded. */
  to: Watermark,
  /** True when the size limit cut the batch short: more is waiting. */
  truncated: Schema.Boolean,
  events: Schema.Array(ChangeEvent)
})
export type ChangeBatch = typeof ChangeBatch.Type

const Upsert = <S extends Schema.Top>(row: S) =>
  Schema.Struct({ change: ChangeId, op: ChangeOp, changedAt: Schema.String, row })
const Delete = Schema.Struct({ change: ChangeId, changedAt: Schema.String, id: Schema.Int })
const TableChanges = <S extends Schema.Top>(row: S) =>
  Schema.Struct({ upserts: Schema.Array(Upsert(row)), deletes: Schema.Array(Delete) })

export const DeadLetter = Schema.Struct({
  change: ChangeId,
  table: Schema.String,
  op: ChangeOp,
  reason: Schema.String,
  payload: Schema.NullOr(Schema.Unknown)
})
export type DeadLetter = typeof DeadLetter.Type

/**
 * What one batch does to the warehouse: each row's latest state (by change-log
 * order), decoded; every version of a product (SCD2); the changes that cannot
 * load. Pure data, built by `transform`.
 */
export const LoadPlan = Schema.Struct({
  from: Watermark,
  to: Watermark,
  events: Schema.Int,
  customers: TableChanges(ChangeRows.customers),
  employees: TableChanges(ChangeRows.employees),
  /** Every version in change order, not only the latest: SCD2 keeps them all. */
  products: TableChanges(ChangeRows.products),
  orders: TableChanges(ChangeRows.orders),
  order_items: TableChanges(ChangeRows.order_items),
  payments: TableChanges(ChangeRows.payments),
  stock_movements: TableChanges(ChangeRows.stock_movements),
  deadLetters: Schema.Array(DeadLetter)
})
export type LoadPlan = typeof LoadPlan.Type

export const LoadResult = Schema.Struct({
  events: Schema.Int,
  /** Rows applied: upserts and deletes after folding each row's changes into its latest state. */
  rows: Schema.Int,
  deadLetters: Schema.Int,
  /** Orders whose facts were rebuilt. */
  orders: Schema.Int
})
export type LoadResult = typeof LoadResult.Type

export const Lag = Schema.Struct({
  /** Committed change events not yet loaded. */
  events: Schema.Int,
  /** Age of the oldest committed change not yet loaded; 0 when caught up. */
  seconds: Schema.Number,
  /**
   * Age of the oldest OLTP transaction that has written and is still open: it holds the pipeline back.
   * Omitted where it is not measured (the models wait on OLAP, not on OLTP transactions).
   */
  oldestOpenTransactionSeconds: Schema.optional(Schema.Number)
})
export type Lag = typeof Lag.Type

/** Another runner moved the watermark first: it loaded this batch, and nothing was written here. */
export class WatermarkMoved extends Schema.TaggedError<WatermarkMoved>()("WatermarkMoved", {
  pipeline: Schema.String,
  /** Where the batch expected the watermark to be. */
  expected: SnapshotText
}) {
  override get message() {
    return `The ${this.pipeline} watermark is no longer ${this.expected}: another runner loaded this batch first. Nothing was written; run again.`
  }
}

/** In cluster mode: this runner no longer holds the pipeline's lease (another runner took it over); nothing was written. */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  pipeline: Schema.String,
  /** The runner holding the lease now, if any. */
  holder: Schema.NullOr(Schema.String)
}) {
  override get message() {
    return `This runner no longer owns ${this.pipeline} (${this.holder === null ? "its lease expired" : `${this.holder} took it over`}): its batch was refused at commit. Nothing was written.`
  }
}

export class WatermarkMissing extends Schema.TaggedError<WatermarkMissing>()("WatermarkMissing", {
  pipeline: Schema.String
}) {
  override get message() {
    return `No watermark for pipeline ${this.pipeline} in pipeline_watermark: run \`brewlytics migrate\` (OLAP V2 creates cdc_to_star's), or insert ('${this.pipeline}', '1:1:') to load from the start.`
  }
}

export class BadWatermark extends Schema.TaggedError<BadWatermark>()("BadWatermark", {
  pipeline: Schema.String,
  snapshot: Schema.String
}) {
  override get message() {
    return `The ${this.pipeline} watermark ${JSON.stringify(this.snapshot)} is not pg_snapshot text (xmin:xmax:xip,…): restore it from a backup, or set it to '1:1:' to reload everything from the change log.`
  }
}

/** Why a batch cannot load: its reason says which, and what to do. */
export class CdcError extends Schema.TaggedError<CdcError>()("CdcError", {
  reason: Schema.Union([WatermarkMoved, LeaseLost, WatermarkMissing, BadWatermark])
}) {
  override get message() {
    return this.reason.message
  }
}
