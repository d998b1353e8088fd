import { Effect, Schema } from "effect"
import { DEFAULT_LIMIT, lag } from "../cdc/Cdc.ts"
import { extract, readBound, readWatermark } from "../cdc/Extract.ts"
import { loadBatch } from "../cdc/Load.ts"
import { transform } from "../cdc/Transform.ts"
import { Bound, CDC_PIPELINE, ChangeBatch, Lag, LoadPlan, LoadResult, Watermark } from "../cdc/Types.ts"
import * as Pipeline from "../dsl/Pipeline.ts"
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
  "packages/pipeline/src/cdc/Snapshot.ts",
  "sql/oltp/V2__change_log.sql",
  "sql/olap/V2__star.sql"
]

export const readOltpBound = Step.make("read_bound", {
  description: "pg_current_snapshot() of OLTP, before any OLAP write",
  input: {},
  output: Bound,
  run: () => readBound,
  sqlFiles: ["packages/pipeline/src/cdc/Extract.ts"]
})

export const readStarWatermark = Step.make("read_watermark", {
  description: "the OLTP snapshot the star schema holds",
  input: {},
  output: Watermark,
  run: () => readWatermark(CDC_PIPELINE)
})

export const extractChanges = Step.make("extract_changes", {
  description: "committed changes between watermark and bound, whole transactions",
  input: { from: Watermark, to: Bound },
  output: ChangeBatch,
  run: ({ from, to }) => extract({ from, to, limit: DEFAULT_LIMIT }),
  sqlFiles: CDC_SOURCES
})

export const transformChanges = Step.make("transform_changes", {
  description: "latest state per row in change-log order; undecodable changes become dead letters",
  input: { batch: ChangeBatch },
  output: LoadPlan,
  run: ({ batch }) => Effect.sync(() => transform(batch))
})

export const LoadOutcome = Schema.Struct({
  result: LoadResult,
  /** Another runner moved the watermark first: it loaded this batch, nothing was written here. */
  superseded: Schema.Boolean
})

export const loadStar = Step.make("load_star", {
  description: "dimensions (SCD2), facts and the watermark compare-and-set in one OLAP transaction",
  input: { plan: LoadPlan },
  output: LoadOutcome,
  run: ({ plan }) =>
    loadBatch(plan).pipe(
      Effect.map((result) => ({ result, superseded: false })),
      Effect.catchIf(
        (e) => e._tag === "CdcError" && e.reason === "WatermarkMoved",
        () => Effect.succeed({ result: { events: 0, rows: 0, deadLetters: 0, orders: 0 }, superseded: true })
      )
    )
})

export const measureLag = Step.make("measure_lag", {
  description: "committed changes still waiting, and their age",
  input: { loaded: LoadOutcome },
  output: Lag,
  run: () => lag(CDC_PIPELINE)
})

export const CdcRunReport = Schema.Struct({
  events: Schema.Int,
  rows: Schema.Int,
  deadLetters: Schema.Int,
  orders: Schema.Int,
  more: Schema.Boolean,
  lag: Lag
})

export const reportBatch = Step.make("report_batch", {
  input: { batch: ChangeBatch, loaded: LoadOutcome, lag: Lag },
  output: CdcRunReport,
  run: ({ batch, loaded, lag }) =>
    Effect.succeed({
      events: loaded.result.events,
      rows: loaded.result.rows,
      deadLetters: loaded.result.deadLetters,
      orders: loaded.result.orders,
      // A truncated batch, or one another runner took, means: run again now.
      more: batch.truncated || loaded.superseded,
      lag
    })
})

const bound = Step.source(readOltpBound)
const watermark = Step.source(readStarWatermark)
const batch = extractChanges({ from: watermark, to: bound })
const loaded = loadStar({ plan: transformChanges({ batch }) })

export const cdcToStar = Pipeline.make(CDC_PIPELINE, {
  description: "OLTP change log → star schema, exactly once, one bounded batch per run",
  output: reportBatch({ batch, loaded, lag: measureLag({ loaded }) }),
  summary: (report) => ({
    rowsRead: report.events,
    rowsWritten: report.rows,
    lagEvents: report.lag.events,
    lagSeconds: report.lag.seconds,
    more: report.more
  })
})
