import { OlapSql } from "@brewlytics/db/Databases.ts"
import { textArray } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import { type DeadLetter, LOAD_STEP } from "../Types.ts"
import type { Sql } from "./Sql.ts"

/**
 * The CTE that dead-letters the `checked` rows with a reason, keeping the rest
 * of the row as payload: a raw copy's way to set aside what cannot be placed
 * in the star while the rest of its statement goes on.
 */
export const deadLetterChecked = (sql: Sql, pipeline: string, table: string) => sql`dead AS (
            INSERT INTO pipeline_dead_letters (pipeline, step, item_key, table_name, op, reason, payload)
            SELECT ${pipeline}, ${LOAD_STEP}, change_id::text, ${table}::text, op, reason,
                   to_jsonb(checked) - 'reason' - 'op' - 'change_id' - 'date_id'
            FROM checked WHERE reason IS NOT NULL
            ON CONFLICT (pipeline, step, item_key) DO NOTHING
          )`

/** Records the changes the transform already found unloadable (a row that does not decode, an unknown table). */
export const recordDeadLetters = Effect.fn("cdc.load.deadLetters")(function* (
  pipeline: string,
  d: ReadonlyArray<DeadLetter>
) {
  if (d.length === 0) return
  const sql = yield* OlapSql
  yield* sql`
        INSERT INTO pipeline_dead_letters (pipeline, step, item_key, table_name, op, reason, payload)
        SELECT ${pipeline}, ${LOAD_STEP}, * FROM unnest(${textArray(d.map((x) => String(x.change)))}::text[], ${textArray(d.map((x) => x.table))}::text[],
          ${textArray(d.map((x) => x.op))}::text[], ${textArray(d.map((x) => x.reason))}::text[], ${textArray(d.map((x) => JSON.stringify(x.payload)))}::jsonb[])
        ON CONFLICT (pipeline, step, item_key) DO NOTHING`
})
