import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect } from "effect"
import type { Fragment } from "effect/sql/Statement"
import type { Sql } from "../cdc/load/Sql.ts"

/**
 * Row-level comparison of OLTP with the warehouse, each side rendered as text
 * alike (ids, exact NUMERIC money, timestamps in microseconds since the epoch),
 * so equal text means an equal row. Facts are compared per UTC day (a digest
 * of the day's rows in each fact table), dimensions per row. What differs is
 * what `repair` rebuilds.
 */

/** Microseconds since the epoch: the same text for the same instant on both sides, whatever the session's time zone. */
const micros = (sql: Sql, column: string) => sql`(extract(epoch FROM ${sql.literal(column)}) * 1000000)::bigint`

/** A day's rows of one fact table as one digest: `key` is the day (YYYY-MM-DD), `value` the count and digest. */
interface Keyed {
  readonly key: string
  readonly value: string
}

const digestPerDay = (sql: Sql, rows: Fragment) =>
  sql<Keyed>`SELECT day AS key, count(*)::text || ' rows ' || md5(string_agg(line, '|' ORDER BY line)) AS value
             FROM (${rows}) r GROUP BY day`

const dayOf = (sql: Sql, column: string) =>
  sql`to_char((${sql.literal(column)} AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD')`
const dayOfId = (sql: Sql, column: string) =>
  sql`to_char(to_date(${sql.literal(column)}::text, 'YYYYMMDD'), 'YYYY-MM-DD')`

/** fact_sales: one line per live order item, with its order's customer, employee, time and status. */
const salesOltp = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`SELECT ${dayOf(sql, "o.order_time")} AS day,
               concat_ws(',', i.id, o.id, o.customer_id, o.employee_id, i.product_id, i.product_id, i.quantity, i.unit_price,
                 (i.quantity * i.unit_price)::numeric(12,2), extract(hour FROM o.order_time AT TIME ZONE 'UTC'),
                 ${micros(sql, "o.order_time")}, o.status) AS line
        FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled'`
  )
const salesOlap = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`SELECT ${dayOfId(sql, "f.date_id")} AS day,
               concat_ws(',', f.order_item_id, f.order_id, c.customer_id, e.employee_id, f.product_id, p.product_id, f.quantity,
                 f.price, f.total, f.time_of_day_id, ${micros(sql, "f.order_time")}, f.order_status) AS line
        FROM fact_sales f
        LEFT JOIN dim_customer c ON c.id = f.customer_dim_id
        LEFT JOIN dim_employee e ON e.id = f.employee_dim_id
        LEFT JOIN dim_product p ON p.id = f.product_dim_id`
  )

/** fact_payments: one line per payment of a live order, on the day it was paid. */
const paymentsOltp = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`SELECT ${dayOf(sql, "p.paid_at")} AS day,
               concat_ws(',', p.id, o.id, o.customer_id, p.amount, p.method, p.status, ${micros(sql, "p.paid_at")}) AS line
        FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.status <> 'cancelled'`
  )
const paymentsOlap = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`SELECT ${dayOfId(sql, "f.date_id")} AS day,
               concat_ws(',', f.payment_id, f.order_id, c.customer_id, f.payment_amount, f.payment_method, f.payment_status,
                 ${micros(sql, "f.recorded_at")}) AS line
        FROM fact_payments f LEFT JOIN dim_customer c ON c.id = f.customer_dim_id`
  )

/**
 * fact_inventory: one line per product-day with any movement (sold: live order
 * items plus sales without an order; received; wasted) and the running on hand.
 */
const inventoryOltp = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`WITH moves AS (
          SELECT product_id, (moved_at AT TIME ZONE 'UTC')::date AS day,
                 CASE WHEN kind = 'sold' AND order_id IS NULL THEN quantity ELSE 0 END AS sold,
                 CASE WHEN kind = 'received' THEN quantity ELSE 0 END AS received,
                 CASE WHEN kind = 'wasted' THEN quantity ELSE 0 END AS wasted
          FROM stock_movements
          UNION ALL
          SELECT i.product_id, (o.order_time AT TIME ZONE 'UTC')::date, i.quantity, 0, 0
          FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled'
        ),
        days AS (
          SELECT product_id, day, sum(sold) AS sold, sum(received) AS received, sum(wasted) AS wasted
          FROM moves GROUP BY product_id, day
          HAVING sum(sold) <> 0 OR sum(received) <> 0 OR sum(wasted) <> 0
        )
        SELECT to_char(day, 'YYYY-MM-DD') AS day,
               concat_ws(',', product_id, product_id, sold, received, wasted,
                 sum(received - sold - wasted) OVER (PARTITION BY product_id ORDER BY day)) AS line
        FROM days`
  )
const inventoryOlap = (sql: Sql) =>
  digestPerDay(
    sql,
    sql`SELECT ${dayOfId(sql, "f.date_id")} AS day,
               concat_ws(',', f.product_id, p.product_id, f.quantity_sold, f.quantity_received, f.quantity_wasted,
                 f.quantity_on_hand) AS line
        FROM fact_inventory f LEFT JOIN dim_product p ON p.id = f.product_dim_id`
  )

/** Rows keyed alike on both sides as one figure: their count and a digest. */
export const digestOf = (sql: Sql, rows: Fragment) =>
  sql<Keyed>`SELECT '' AS key, count(*)::text || ' rows ' || coalesce(md5(string_agg(key || ':' || value, '|' ORDER BY key)), '-') AS value
             FROM (${rows}) r`

/** Each dimension's rows keyed by their OLTP id: customers and employees as they are, products' current version. */
export const dimensionRows = {
  dim_customer: {
    oltp: (sql: Sql) =>
      sql<Keyed>`SELECT id::text AS key, concat_ws(',', name, email, ${micros(sql, "updated_at")}) AS value FROM customers`,
    olap: (sql: Sql) =>
      sql<Keyed>`SELECT customer_id::text AS key, concat_ws(',', name, email, ${micros(sql, "updated_at")}) AS value
                 FROM dim_customer WHERE deleted_at IS NULL`
  },
  dim_employee: {
    oltp: (sql: Sql) =>
      sql<Keyed>`SELECT id::text AS key, concat_ws(',', name, role, active, ${micros(sql, "updated_at")}) AS value FROM employees`,
    olap: (sql: Sql) =>
      sql<Keyed>`SELECT employee_id::text AS key, concat_ws(',', name, role, active, ${micros(sql, "updated_at")}) AS value
                 FROM dim_employee WHERE deleted_at IS NULL`
  },
  dim_product: {
    oltp: (sql: Sql) =>
      sql<Keyed>`SELECT id::text AS key, concat_ws(',', name, price, category, size, active) AS value FROM products`,
    olap: (sql: Sql) =>
      sql<Keyed>`SELECT product_id::text AS key, concat_ws(',', name, price, category, size, active) AS value
                 FROM dim_product WHERE is_current`
  }
} as const

export const FACT_TABLES = ["fact_sales", "fact_payments", "fact_inventory"] as const
export type FactTable = (typeof FACT_TABLES)[number]
export type DimensionTable = keyof typeof dimensionRows

const facts = {
  fact_sales: { oltp: salesOltp, olap: salesOlap },
  fact_payments: { oltp: paymentsOltp, olap: paymentsOlap },
  fact_inventory: { oltp: inventoryOltp, olap: inventoryOlap }
} as const

/** Where OLTP and the warehouse differ: the fact tables' days and the dimensions' rows (OLTP ids). */
export interface Located {
  readonly facts: ReadonlyArray<{ readonly table: FactTable; readonly day: string }>
  readonly dimensions: ReadonlyArray<{ readonly table: DimensionTable; readonly id: string }>
}

/** The keys whose values differ, or that one side lacks. */
const differing = (a: ReadonlyArray<Keyed>, b: ReadonlyArray<Keyed>) => {
  const left = new Map(a.map((r) => [r.key, r.value]))
  const right = new Map(b.map((r) => [r.key, r.value]))
  return [...new Set([...left.keys(), ...right.keys()])].filter((k) => left.get(k) !== right.get(k)).sort()
}

/** The fact days and dimension rows on which OLTP and the warehouse differ (empty when they agree row for row). */
export const locate = Effect.fn("Reconcile.locate")(function* () {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const found: { facts: Array<Located["facts"][number]>; dimensions: Array<Located["dimensions"][number]> } = {
    facts: [],
    dimensions: []
  }
  for (const table of FACT_TABLES) {
    const days = differing(yield* facts[table].oltp(oltp), yield* facts[table].olap(olap))
    found.facts.push(...days.map((day) => ({ table, day })))
  }
  for (const table of Object.keys(dimensionRows) as Array<DimensionTable>) {
    const ids = differing(yield* dimensionRows[table].oltp(oltp), yield* dimensionRows[table].olap(olap))
    found.dimensions.push(...ids.map((id) => ({ table, id })))
  }
  return found satisfies Located
})

/** The days of `located`'s facts, in order. */
export const daysOf = (located: Located) => [...new Set(located.facts.map((f) => f.day))].sort()

/** One line per table: the days (or rows) that differ, for a person to read. */
export const describeLocated = (located: Located): Array<string> => {
  const lines: Array<string> = []
  for (const table of FACT_TABLES) {
    const days = located.facts.filter((f) => f.table === table).map((f) => f.day)
    if (days.length > 0) {
      lines.push(
        `${table}: ${days.slice(0, 10).join(", ")}${days.length > 10 ? ` … and ${days.length - 10} more days` : ""}`
      )
    }
  }
  for (const table of Object.keys(dimensionRows) as Array<DimensionTable>) {
    const ids = located.dimensions.filter((d) => d.table === table).map((d) => d.id)
    if (ids.length > 0) {
      lines.push(
        `${table}: id ${ids.slice(0, 10).join(", ")}${ids.length > 10 ? ` … and ${ids.length - 10} more` : ""}`
      )
    }
  }
  return lines
}

/** The command that repairs `located`: the fact days as a range, dimensions whatever the range. */
export const repairCommand = (located: Located) => {
  const days = daysOf(located)
  return days.length === 0
    ? "brewlytics reconcile --repair"
    : `brewlytics reconcile --repair --from ${days[0]} --to ${days[days.length - 1]}`
}
