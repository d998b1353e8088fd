import * as PgTypes from "@effect/sql-pg/PgTypes"
import { Result } from "effect"

/**
 * Array parameters with a named element type, for `unnest(…)` and `= ANY(…)`.
 * Left to the driver, an array's element type is inferred from each element:
 * 1 binds as int4 and 2147483648 as int8, so a list holding both is refused
 * ("Array parameter elements must have the same inferred OID"), and a list of
 * only NULLs has no type at all. Every array parameter goes through these, so
 * the type follows the column, not the values. Timestamps, numerics and JSON
 * go as `textArray` and are cast in SQL (`::timestamptz[]`, `::numeric[]`).
 */
const typed = (elementOid: number, values: ReadonlyArray<unknown>): PgTypes.Parameter =>
  // Only an element type without an array type fails, and these are all built in.
  Result.getOrThrow(PgTypes.array(values, elementOid))

/** `int8[]` (bigint), from numbers, bigints or digit strings. */
export const int8Array = (values: ReadonlyArray<number | bigint | string | null>) =>
  typed(
    PgTypes.OID.int8,
    values.map((v) => (v === null ? null : BigInt(v)))
  )

/** `int4[]` (integer): every value must fit in 32 bits. */
export const int4Array = (values: ReadonlyArray<number | null>) => typed(PgTypes.OID.int4, values)

/** `text[]`. */
export const textArray = (values: ReadonlyArray<string | null>) => typed(PgTypes.OID.text, values)

/** `bool[]`. */
export const boolArray = (values: ReadonlyArray<boolean | null>) => typed(PgTypes.OID.bool, values)
