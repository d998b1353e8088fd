import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Context, Effect, Layer } from "effect"
import type { SqlError } from "effect/sql/SqlError"

export interface DeadLetter {
  readonly pipeline: string
  readonly runId: string
  readonly step: string
  readonly key: string
  readonly payload: unknown
  readonly reason: string
}

/**
 * Where items that can never be processed go, with their reason, so the
 * pipeline goes on: the `pipeline_dead_letters` table in OLAP. An item is
 * recorded once, however often a run meets it.
 */
export class DeadLetters extends Context.Service<
  DeadLetters,
  {
    readonly record: (letter: DeadLetter) => Effect.Effect<void, SqlError>
    readonly list: (pipeline: string) => Effect.Effect<ReadonlyArray<DeadLetterRow>, SqlError>
  }
>()("@brewlytics/pipeline/dsl/DeadLetters") {
  static readonly layer = Layer.effect(
    DeadLetters,
    Effect.gen(function* () {
      const sql = yield* OlapSql
      const record = Effect.fn("DeadLetters.record")(function* (letter: DeadLetter) {
        yield* sql`INSERT INTO pipeline_dead_letters (pipeline, step, item_key, run_id, payload, reason)
          VALUES (${letter.pipeline}, ${letter.step}, ${letter.key}, ${letter.runId},
                  ${letter.payload === null ? null : JSON.stringify(letter.payload)}::jsonb, ${letter.reason})
          ON CONFLICT (pipeline, step, item_key) DO NOTHING`
      })
      const list = Effect.fn("DeadLetters.list")(function* (pipeline: string) {
        return yield* sql<DeadLetterRow>`SELECT step, item_key, run_id, payload, reason
          FROM pipeline_dead_letters WHERE pipeline = ${pipeline} ORDER BY id`
      })
      return DeadLetters.of({ record, list })
    })
  )
}

export interface DeadLetterRow {
  readonly step: string
  readonly item_key: string
  /** None for the CDC load's own dead letters (`load_star`): they are written inside its transaction. */
  readonly run_id: string | null
  readonly payload: unknown
  readonly reason: string
}
