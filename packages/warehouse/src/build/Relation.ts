import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { ident } from "../DataTests.ts"
import { ColumnsMismatch, indexColumns, type Model, WarehouseError } from "../Model.ts"

/** What a materialization did: its mode, and the rows it wrote (none counted for views). */
export interface Materialized {
  /** `unchanged`: a view whose SQL is the same, or an incremental model none of whose days changed. */
  readonly mode: "view" | "unchanged" | "full" | "incremental"
  /** Rows in the table (full), rows in the new slice (incremental); views are not counted. */
  readonly rows: number | null
}

const RELKIND: Record<string, string> = { r: "TABLE", v: "VIEW", m: "MATERIALIZED VIEW" }

/** The statement that drops what the relation is now (`relkind` from pg_class), if anything. */
export const dropExisting = (relation: string, kind: string | undefined): ReadonlyArray<string> =>
  kind === undefined ? [] : [`DROP ${RELKIND[kind] ?? "TABLE"} IF EXISTS ${relation} CASCADE`]

export const exec = (sql: PgClient.PgClient, statement: string) => sql.unsafe(statement).unprepared

export const columnsOf = (sql: PgClient.PgClient, relation: string) =>
  sql<{ name: string }>`
    SELECT attname AS name FROM pg_attribute
    WHERE attrelid = to_regclass(${relation}) AND attnum > 0 AND NOT attisdropped
    ORDER BY attnum`.pipe(Effect.map((rows) => rows.map((r) => r.name)))

const checkColumns = (model: Model, built: ReadonlyArray<string>): Effect.Effect<void, WarehouseError> => {
  const declared = Object.keys(model.declaration.columns)
  const undeclared = built.filter((c) => !declared.includes(c))
  const missing = declared.filter((c) => !built.includes(c))
  if (undeclared.length === 0 && missing.length === 0) return Effect.void
  return Effect.fail(
    new WarehouseError({
      reason: new ColumnsMismatch({
        message: `${model.name}: the SQL and the declaration disagree on columns.${
          undeclared.length > 0 ? ` Built but not declared in ${model.declarationFile}: ${undeclared.join(", ")}.` : ""
        }${missing.length > 0 ? ` Declared but not built by ${model.sqlFile}: ${missing.join(", ")}.` : ""}`
      })
    })
  )
}

/** Fails when the columns `relation` was built with are not those the model declares. */
export const checkBuiltColumns = (sql: PgClient.PgClient, model: Model, relation: string) =>
  columnsOf(sql, relation).pipe(Effect.flatMap((built) => checkColumns(model, built)))

export const createIndexes = Effect.fn("Builder.createIndexes")(function* (sql: PgClient.PgClient, model: Model) {
  const { uniqueKey, indexes } = model.declaration
  if (uniqueKey !== undefined && uniqueKey.length > 0) {
    yield* exec(sql, `CREATE UNIQUE INDEX ON ${model.relation} (${uniqueKey.map(ident).join(", ")})`)
  }
  const covering = (indexes ?? []).some((i) => indexColumns(i).include.length > 0)
  if (covering) {
    // An index-only scan reads the heap row of every entry on a page VACUUM has not marked all-visible since
    // it changed, so a table read that way is vacuumed once 1% of it changed (top-ups rewrite its newest days),
    // not the default 20%.
    yield* exec(
      sql,
      `ALTER TABLE ${model.relation} SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01)`
    )
  }
  for (const index of indexes ?? []) {
    const { columns, include } = indexColumns(index)
    yield* exec(
      sql,
      `CREATE INDEX ON ${model.relation} (${columns.map(ident).join(", ")})${
        include.length > 0 ? ` INCLUDE (${include.map(ident).join(", ")})` : ""
      }`
    )
  }
})
