import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { ident } from "../DataTests.ts"
import { ColumnsMismatch, type Model, WarehouseError } from "../Model.ts"
import { checkBuiltColumns, exec, type Materialized } from "./Relation.ts"

/** Where a top-up's new rows are built before they replace their part of the table. */
export const SLICE = "pg_temp.brewlytics_model_slice"

/** The window's lowest value a slice starting at `since` covers, in the window column's own type. */
const windowBound = (sql: PgClient.PgClient, window: string) =>
  sql<{ type: string }>`
    SELECT format_type(atttypid, NULL) AS type FROM pg_attribute
    WHERE attrelid = 'pg_temp.brewlytics_model_slice'::regclass AND attname = ${window}`.pipe(
    Effect.map(([row]) =>
      row?.type === "date"
        ? "to_date($1::text, 'YYYYMMDD')"
        : row !== undefined && ["integer", "bigint", "smallint"].includes(row.type)
          ? "$1::int"
          : undefined
    )
  )

/** Deletes the part of the table the slice replaces: its keys, or its window from the lowest day on. */
const deleteReplaced = Effect.fn("Builder.deleteReplaced")(function* (
  sql: PgClient.PgClient,
  model: Model,
  since: number | undefined
) {
  const key = model.declaration.uniqueKey!
  const window = model.declaration.window
  if (window === undefined) {
    return yield* exec(
      sql,
      `DELETE FROM ${model.relation} t USING brewlytics_model_slice s WHERE ${key
        .map((k) => `t.${ident(k)} = s.${ident(k)}`)
        .join(" AND ")}`
    )
  }
  const lowest = `(SELECT min(${ident(window)}) FROM brewlytics_model_slice)`
  // From `since` on even where the slice has no rows: a day whose facts were all deleted is emptied too.
  const bound = since === undefined ? undefined : yield* windowBound(sql, window)
  if (bound === undefined) {
    return yield* exec(sql, `DELETE FROM ${model.relation} WHERE ${ident(window)} >= ${lowest}`)
  }
  return yield* sql.unsafe(`DELETE FROM ${model.relation} WHERE ${ident(window)} >= least(${lowest}, ${bound})`, [
    since
  ])
})

/**
 * An incremental model's top-up: the new slice (the template rendered with
 * `incremental` true) built into a temporary table, the rows it replaces
 * deleted, the slice inserted.
 */
export const topUpTable = Effect.fn("Builder.topUpTable")(function* (
  sql: PgClient.PgClient,
  model: Model,
  body: string,
  since: number | undefined
) {
  yield* exec(sql, `CREATE TEMP TABLE brewlytics_model_slice ON COMMIT DROP AS\n${body}\n`)
  yield* checkBuiltColumns(sql, model, SLICE).pipe(
    Effect.mapError(
      (e) =>
        new WarehouseError({
          reason: new ColumnsMismatch({
            message: `${e.message} (incremental slice; after changing columns run with --full-refresh)`
          })
        })
    )
  )
  yield* deleteReplaced(sql, model, since)
  const columns = Object.keys(model.declaration.columns).map(ident).join(", ")
  yield* exec(sql, `INSERT INTO ${model.relation} (${columns}) SELECT ${columns} FROM brewlytics_model_slice`)
  const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM brewlytics_model_slice`
  return { mode: "incremental", rows: counted[0]!.n } satisfies Materialized
})
