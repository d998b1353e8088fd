import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { Model } from "../Model.ts"
import { checkBuiltColumns, createIndexes, dropExisting, exec, type Materialized } from "./Relation.ts"

/**
 * A table built in full under a side name, then swapped in for what is there
 * (indexed and analysed), so the old version serves until the transaction commits.
 */
export const buildTable = Effect.fn("Builder.buildTable")(function* (
  sql: PgClient.PgClient,
  model: Model,
  body: string,
  kind: string | undefined
) {
  const building = `${model.layer}.${model.name}__building`
  yield* exec(sql, `DROP TABLE IF EXISTS ${building}`)
  yield* exec(sql, `CREATE TABLE ${building} AS\n${body}\n`)
  yield* checkBuiltColumns(sql, model, building)
  for (const s of dropExisting(model.relation, kind)) yield* exec(sql, s)
  yield* exec(sql, `ALTER TABLE ${building} RENAME TO ${model.name}`)
  yield* createIndexes(sql, model)
  yield* exec(sql, `ANALYZE ${model.relation}`)
  const counted = yield* sql.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM ${model.relation}`)
  return { mode: "full", rows: counted[0]!.n } satisfies Materialized
})
