import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect, Schema } from "effect"
import { type DimensionTable, digestOf, dimensionRows } from "./repair/Compare.ts"

/** One comparison: the same figure computed in OLTP and in the warehouse. */
export const Check = Schema.Struct({
  name: Schema.String,
  oltp: Schema.String,
  olap: Schema.String,
  ok: Schema.Boolean
})
export type Check = typeof Check.Type

export const Reconciliation = Schema.Struct({
  checks: Schema.Array(Check),
  differences: Schema.Int
})
export type Reconciliation = typeof Reconciliation.Type

export class ReconcileMismatch extends Schema.TaggedError<ReconcileMismatch>()("ReconcileMismatch", {
  message: Schema.String,
  differences: Schema.Int
}) {}

interface Keyed {
  readonly key: string
  readonly value: string
}

interface Compared {
  readonly key: string
  readonly oltp: string
  readonly olap: string
  readonly ok: boolean
}

/**
 * The one rule of every reconciliation: both sides render their figures as
 * text (counts, NUMERIC sums), keyed alike, so equal means equal to the cent.
 * A key one side lacks is compared with `absent(key)`.
 */
const compareFigures = (
  oltp: ReadonlyArray<Keyed>,
  olap: ReadonlyArray<Keyed>,
  absent: (key: string) => string = () => "(none)"
): Array<Compared> => {
  const left = new Map(oltp.map((r) => [r.key, r.value]))
  const right = new Map(olap.map((r) => [r.key, r.value]))
  return [...new Set([...left.keys(), ...right.keys()])].sort().map((key) => {
    const a = left.get(key) ?? absent(key)
    const b = right.get(key) ?? absent(key)
    return { key, oltp: a, olap: b, ok: a === b }
  })
}

/** Comparisons as checks named `<name> <key>` (the name alone for a figure without a key). */
const named = (name: string, compared: ReadonlyArray<Compared>): Array<Check> =>
  compared.map((c) => ({ name: c.key === "" ? name : `${name} ${c.key}`, oltp: c.oltp, olap: c.olap, ok: c.ok }))

/**
 * Compares OLTP with the warehouse: live orders, live order items, revenue
 * per day, payments per method, dimension sizes and rows (a digest of every
 * row's attributes) and stock on hand per product. Meaningful once the pipeline has caught up (lag 0).
 */
export const reconcile = Effect.fn("Reconcile.reconcile")(function* () {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const checks: Array<Check> = []
  const both = (name: string, a: ReadonlyArray<Keyed>, b: ReadonlyArray<Keyed>) =>
    checks.push(...named(name, compareFigures(a, b)))

  both(
    "live orders",
    yield* oltp<Keyed>`
      SELECT '' AS key, count(*)::text AS value FROM orders o
      WHERE o.status <> 'cancelled' AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)`,
    yield* olap<Keyed>`SELECT '' AS key, count(DISTINCT order_id)::text AS value FROM fact_sales`
  )
  both(
    "live order items",
    yield* oltp<Keyed>`
      SELECT '' AS key, count(*)::text AS value
      FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled'`,
    yield* olap<Keyed>`SELECT '' AS key, count(*)::text AS value FROM fact_sales`
  )
  both(
    "revenue on",
    yield* oltp<Keyed>`
      SELECT to_char(o.order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS key,
             sum(i.quantity * i.unit_price)::numeric(14,2)::text || ' from ' || sum(i.quantity)::text || ' units' AS value
      FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.status <> 'cancelled'
      GROUP BY 1`,
    yield* olap<Keyed>`
      SELECT to_char(d.date, 'YYYY-MM-DD') AS key,
             sum(f.total)::numeric(14,2)::text || ' from ' || sum(f.quantity)::text || ' units' AS value
      FROM fact_sales f JOIN dim_date d ON d.id = f.date_id
      GROUP BY 1`
  )
  both(
    "payments by",
    yield* oltp<Keyed>`
      SELECT p.method || '/' || p.status AS key, count(*)::text || ' totalling ' || sum(p.amount)::numeric(14,2)::text AS value
      FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.status <> 'cancelled'
      GROUP BY 1`,
    yield* olap<Keyed>`
      SELECT payment_method || '/' || payment_status AS key,
             count(*)::text || ' totalling ' || sum(payment_amount)::numeric(14,2)::text AS value
      FROM fact_payments GROUP BY 1`
  )
  both(
    "dimension",
    yield* oltp<Keyed>`
      SELECT 'customers' AS key, count(*)::text AS value FROM customers
      UNION ALL SELECT 'employees', count(*)::text FROM employees
      UNION ALL SELECT 'products', count(*)::text FROM products`,
    yield* olap<Keyed>`
      SELECT 'customers' AS key, count(*)::text AS value FROM dim_customer WHERE deleted_at IS NULL
      UNION ALL SELECT 'employees', count(*)::text FROM dim_employee WHERE deleted_at IS NULL
      UNION ALL SELECT 'products', count(*)::text FROM dim_product WHERE is_current`
  )
  // Every dimension row's attributes, so a row altered by hand shows (its count alone would not).
  for (const table of Object.keys(dimensionRows) as Array<DimensionTable>) {
    const rows = dimensionRows[table]
    both(`dimension rows ${table}`, yield* digestOf(oltp, rows.oltp(oltp)), yield* digestOf(olap, rows.olap(olap)))
  }
  both(
    "stock on hand of product",
    yield* oltp<Keyed>`
      WITH moves AS (
        SELECT product_id, CASE kind WHEN 'received' THEN quantity ELSE -quantity END AS q
        FROM stock_movements WHERE kind <> 'sold' OR order_id IS NULL
        UNION ALL
        SELECT i.product_id, -i.quantity FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE o.status <> 'cancelled'
      )
      SELECT product_id::text AS key, sum(q)::text AS value FROM moves GROUP BY product_id HAVING count(*) > 0`,
    yield* olap<Keyed>`
      SELECT DISTINCT ON (product_id) product_id::text AS key, quantity_on_hand::text AS value
      FROM fact_inventory ORDER BY product_id, date_id DESC`
  )
  const differences = checks.filter((c) => !c.ok).length
  return { checks, differences } satisfies Reconciliation
})

/** `reconcile`, failing with `ReconcileMismatch` (naming the first differences) when any figure differs. */
export const reconcileOrFail = reconcile().pipe(
  Effect.flatMap((r) =>
    r.differences === 0
      ? Effect.succeed(r)
      : Effect.fail(
          new ReconcileMismatch({
            differences: r.differences,
            message: `OLTP and the warehouse differ in ${r.differences} figure(s): ${r.checks
              .filter((c) => !c.ok)
              .slice(0, 5)
              .map((c) => `${c.name}: OLTP ${c.oltp}, warehouse ${c.olap}`)
              .join(
                "; "
              )}. Check \`brewlytics pipeline status\` for lag and pipeline_dead_letters for changes that could not load.`
          })
        )
  )
)

const MEASURES = ["orders", "units", "revenue"] as const

/** One day's figure on which the marts and OLTP disagree. */
export interface Difference {
  readonly day: string
  readonly measure: (typeof MEASURES)[number]
  readonly oltp: string
  readonly warehouse: string
}

export interface ReconciliationResult {
  /** Days with sales in OLTP. */
  readonly days: number
  readonly differences: ReadonlyArray<Difference>
}

/**
 * Revenue, units and order count per day (UTC) in the warehouse's marts
 * against the OLTP source: orders that are not cancelled, with their items.
 * Money is compared in exact cents; a day the marts lack counts as zero there.
 * This is `brewlytics models test`'s reconciliation.
 */
export const reconcileDaily = Effect.fn("Reconcile.daily")(function* () {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  // Each day's three figures as rows keyed `<day> <measure>`.
  const source = yield* oltp<Keyed>`
    WITH d AS (
      SELECT to_char((o.order_time AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, count(DISTINCT o.id) AS orders,
             sum(i.quantity) AS units, sum(i.quantity * i.unit_price)::numeric(14,2) AS revenue
      FROM orders o JOIN order_items i ON i.order_id = o.id
      WHERE o.status <> 'cancelled'
      GROUP BY 1
    )
    SELECT d.day || ' ' || m.measure AS key, m.value
    FROM d CROSS JOIN LATERAL (VALUES ('orders', orders::text), ('units', units::text), ('revenue', revenue::text))
      AS m(measure, value)`
  const warehouse = yield* olap<Keyed>`
    WITH d AS (
      SELECT to_char(date, 'YYYY-MM-DD') AS day, orders, units, revenue::numeric(14,2) AS revenue
      FROM marts.mart_daily_sales WHERE orders > 0 OR revenue <> 0
    )
    SELECT d.day || ' ' || m.measure AS key, m.value
    FROM d CROSS JOIN LATERAL (VALUES ('orders', orders::text), ('units', units::text), ('revenue', revenue::text))
      AS m(measure, value)`
  const differences = compareFigures(source, warehouse, (key) => (key.endsWith(" revenue") ? "0.00" : "0"))
    .filter((c) => !c.ok)
    .map((c): Difference => {
      const [day, measure] = c.key.split(" ") as [string, Difference["measure"]]
      return { day, measure, oltp: c.oltp, warehouse: c.olap }
    })
    .sort((a, b) => a.day.localeCompare(b.day) || MEASURES.indexOf(a.measure) - MEASURES.indexOf(b.measure))
  const days = new Set(source.map((r) => r.key.split(" ")[0])).size
  return { days, differences } satisfies ReconciliationResult
})

/** The first ten differences, one line each, for `models test` to print. */
export const describeDifferences = (result: ReconciliationResult) =>
  result.differences
    .slice(0, 10)
    .map((d) => `      ${d.day} ${d.measure}: OLTP ${d.oltp}, warehouse ${d.warehouse}`)
    .join("\n") + (result.differences.length > 10 ? `\n      … and ${result.differences.length - 10} more` : "")
