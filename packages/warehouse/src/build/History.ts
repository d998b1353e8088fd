import { int4Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { Model } from "../Model.ts"

export interface HistoryEntry {
  readonly model: Model
  readonly mode: string
  readonly status: string
  readonly rows: number | null
  readonly ms: number
  readonly error: string | null
  readonly startedAt: number
}

/** Writes a run's history in one statement at its end (a build should not pay a round trip for it). */
export const writeHistory = (sql: PgClient.PgClient, runId: string, entries: ReadonlyArray<HistoryEntry>) =>
  entries.length === 0
    ? Effect.void
    : // Every array but the durations is text ('' for null): the driver cannot type an array of nulls, and
      // infers each element's type, so numbers that are sometimes whole (start times in seconds) would mix int and float.
      sql`INSERT INTO warehouse_model_runs (run_id, model, materialized, mode, status, rows, duration_ms, error, started_at)
      SELECT ${runId}::uuid, m, mat, mode, status, nullif(r, '')::bigint, ms, nullif(err, ''), to_timestamp(st::float8 / 1000)
      FROM unnest(${textArray(entries.map((e) => e.model.name))}::text[], ${textArray(entries.map((e) => e.model.declaration.materialized))}::text[],
                  ${textArray(entries.map((e) => e.mode))}::text[], ${textArray(entries.map((e) => e.status))}::text[],
                  ${textArray(entries.map((e) => (e.rows === null ? "" : String(e.rows))))}::text[],
                  ${int4Array(entries.map((e) => Math.round(e.ms)))}::int[], ${textArray(entries.map((e) => e.error ?? ""))}::text[],
                  ${textArray(entries.map((e) => String(e.startedAt)))}::text[]) AS h(m, mat, mode, status, r, ms, err, st)`.pipe(
        Effect.asVoid
      )
