import type { OlapSql } from "@brewlytics/db/Databases.ts"
import { int8Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import { formatDecimal } from "@brewlytics/domain/Money.ts"
import type { Fragment } from "effect/sql/Statement"

/** The warehouse's client: every stage of a load writes through the one transaction it holds. */
export type Sql = OlapSql["Service"]

// Columns go to PostgreSQL as one typed array parameter each (`unnest`, see
// SqlArrays.ts), so a batch is a fixed handful of statements whatever its size.
export const int8 = (xs: ReadonlyArray<number | bigint>) => int8Array(xs)
export const money = (xs: ReadonlyArray<number>) => textArray(xs.map(formatDecimal))

/**
 * The largest `key` in `table` as the statement starts: a key above it is not
 * there yet (keys are OLTP identity values), so there is nothing of it to look
 * up. In a backlog nearly every key is new, and probing the table for each
 * one, or scanning it when the planner prefers that, is most of the cost.
 */
export const largestKey = (sql: Sql, table: string, key: string) =>
  sql`(SELECT coalesce(max(t.${sql.literal(key)}), 0) FROM ${sql.literal(table)} t)`

/**
 * Two CTEs that write the rows of `source` (a relation with the target's
 * columns, each key once) into `table`, both returning `returning`: `<name>_new`
 * inserts the keys above the table's largest by plain INSERT (they cannot be
 * there yet: keys are OLTP identity values, and this transaction holds the
 * watermark row, so no other load writes meanwhile), `<name>_old` upserts the
 * rest. INSERT … ON CONFLICT costs a multiple of a plain INSERT per row
 * (speculative insertion), and in a backlog nearly every key is new. Both see
 * the table as it was before the statement, so they agree on the largest key.
 */
export const write = (
  sql: Sql,
  name: string,
  target: {
    readonly table: string
    readonly key: string
    readonly columns: string
    readonly source: Fragment
    readonly onConflict: Fragment
    readonly returning: string
  }
) => {
  const table = sql.literal(target.table)
  const key = sql.literal(target.key)
  const columns = sql.literal(target.columns)
  const returning = sql.literal(target.returning)
  const largest = largestKey(sql, target.table, target.key)
  return sql`${sql.literal(`${name}_new`)} AS (
            INSERT INTO ${table} (${columns})
            SELECT ${columns} FROM ${target.source} WHERE ${key} > ${largest}
            RETURNING ${returning}
          ),
          ${sql.literal(`${name}_old`)} AS (
            INSERT INTO ${table} (${columns})
            SELECT ${columns} FROM ${target.source} WHERE ${key} <= ${largest}
            ON CONFLICT (${key}) DO ${target.onConflict}
            RETURNING ${returning}
          )`
}

/** What both CTEs of `write(sql, name, …)` returned. */
export const written = (sql: Sql, name: string) =>
  sql`(SELECT * FROM ${sql.literal(`${name}_new`)} UNION ALL SELECT * FROM ${sql.literal(`${name}_old`)})`
