import { stgProducts } from "./Models.ts"
import { type ColumnRef, constant, optional, type Query, q, slot } from "./Query.ts"
import { dimEmployee, dimProduct } from "./Sources.ts"

/**
 * SQL pieces several cards share: what "today" is, and how each filter
 * narrows a column. The pipeline files sales under their UTC day, so today is
 * the UTC day too.
 */

/** The `date_id` (yyyymmdd) of the UTC day `days` before today (0: today). */
export const dayId = (days: number): Query =>
  q`to_char((now() AT TIME ZONE 'UTC')::date - ${constant(Math.trunc(days))}, 'YYYYMMDD')::int`

export const todayId = dayId(0)

/** `AND col >= from AND col <= to` on a `date_id` (yyyymmdd) column, each side only when set. */
export const dateIdInRange = (col: ColumnRef): Query =>
  q` ${optional`AND ${col} >= to_char(${slot.from}, 'YYYYMMDD')::int`} ${optional`AND ${col} <= to_char(${slot.to}, 'YYYYMMDD')::int`} `

/** After `false`: true when the date range has either end set (`OR from IS NOT NULL OR to IS NOT NULL`). */
export const dateRangeSet: Query = q` ${optional`OR ${slot.from} IS NOT NULL`} ${optional`OR ${slot.to} IS NOT NULL`} `

/** After `true`: false when the date range has either end set, so a query part serves only "all time". */
export const noDateRange: Query = q` ${optional`AND ${slot.from} IS NULL`} ${optional`AND ${slot.to} IS NULL`} `

/** `AND col >= from AND col <= to` on a `date` column, each side only when set. */
export const dateInRange = (col: ColumnRef): Query =>
  q` ${optional`AND ${col} >= ${slot.from}`} ${optional`AND ${col} <= ${slot.to}`} `

/** The category filter on a durable `product_id` column (the product's current category). */
export const productInCategory = (col: ColumnRef): Query => {
  const p = stgProducts()
  return q` ${optional`AND ${col} IN (SELECT ${p.c.product_id} FROM ${p} WHERE ${p.c.category} = ${slot.category})`} `
}

/** The category filter on a star `product_dim_id` column (the category of the version sold). */
export const productDimInCategory = (col: ColumnRef): Query => {
  const p = dimProduct()
  return q` ${optional`AND ${col} IN (SELECT ${p.c.id} FROM ${p} WHERE ${p.c.category} = ${slot.category})`} `
}

/** The employee filter on an `employee_dim_id` column (star or model: the same key). */
export const employeeDimIs = (col: ColumnRef): Query => {
  const e = dimEmployee()
  return q` ${optional`AND ${col} IN (SELECT ${e.c.id} FROM ${e} WHERE ${e.c.employee_id} = ${slot.employee_id})`} `
}
