import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import type { RunParams, StepReport, Trigger } from "./dsl/Pipeline.ts"

/** One finished run, as the run list shows it. */
export interface RecordedRun {
  readonly runId: string
  readonly pipeline: string
  readonly version: string
  readonly trigger: Trigger
  readonly params: RunParams
  readonly startedAt: Date
  readonly endedAt: Date
  readonly status: "succeeded" | "failed"
  readonly rowsRead: number
  readonly rowsWritten: number
  readonly lagEvents: number | null
  readonly lagSeconds: number | null
  readonly steps: ReadonlyArray<StepReport>
  readonly error: string | null
}

interface Row {
  readonly run_id: string
  readonly pipeline: string
  readonly version: string
  readonly trigger: Trigger
  readonly params: RunParams
  readonly started_at: Date
  readonly ended_at: Date
  readonly status: "succeeded" | "failed"
  readonly rows_read: string | number
  readonly rows_written: string | number
  readonly lag_events: string | number | null
  readonly lag_seconds: number | null
  readonly steps: ReadonlyArray<StepReport>
  readonly error: string | null
}

const fromRow = (row: Row): RecordedRun => ({
  runId: row.run_id,
  pipeline: row.pipeline,
  version: row.version,
  trigger: row.trigger,
  params: row.params,
  startedAt: row.started_at,
  endedAt: row.ended_at,
  status: row.status,
  rowsRead: Number(row.rows_read),
  rowsWritten: Number(row.rows_written),
  lagEvents: row.lag_events === null ? null : Number(row.lag_events),
  lagSeconds: row.lag_seconds,
  steps: row.steps,
  error: row.error
})

/** The run list (`pipeline_runs` in OLAP): what `pipeline status` and the runner's HTTP status show. */
export class RunHistory extends Context.Service<
  RunHistory,
  {
    readonly record: (run: RecordedRun) => Effect.Effect<void, SqlError>
    readonly recent: (options?: {
      readonly pipeline?: string
      readonly limit?: number
    }) => Effect.Effect<ReadonlyArray<RecordedRun>, SqlError>
  }
>()("@brewlytics/pipeline/RunHistory") {
  static readonly layer = Layer.effect(
    RunHistory,
    Effect.gen(function* () {
      const sql = yield* OlapSql
      const record = Effect.fn("RunHistory.record")(function* (run: RecordedRun) {
        yield* sql`INSERT INTO pipeline_runs
          (run_id, pipeline, version, trigger, params, started_at, ended_at, status,
           rows_read, rows_written, lag_events, lag_seconds, steps, error)
          VALUES (${run.runId}, ${run.pipeline}, ${run.version}, ${run.trigger}, ${JSON.stringify(run.params)}::jsonb,
                  ${run.startedAt}, ${run.endedAt}, ${run.status}, ${run.rowsRead}, ${run.rowsWritten},
                  ${run.lagEvents}, ${run.lagSeconds}, ${JSON.stringify(run.steps)}::jsonb, ${run.error})`
      })
      const recent = Effect.fn("RunHistory.recent")(function* (
        options: { readonly pipeline?: string; readonly limit?: number } = {}
      ) {
        const rows = yield* sql<Row>`SELECT run_id, pipeline, version, trigger, params, started_at, ended_at, status,
            rows_read, rows_written, lag_events, lag_seconds, steps, error
          FROM pipeline_runs
          WHERE ${options.pipeline === undefined ? sql`true` : sql`pipeline = ${options.pipeline}`}
          ORDER BY started_at DESC, id DESC
          LIMIT ${options.limit ?? 20}`
        return rows.map(fromRow)
      })
      return RunHistory.of({ record, recent })
    })
  )
}
