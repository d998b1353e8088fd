import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { formatDecimal, parseDecimal } from "@brewlytics/domain/Money.ts"
import { Effect } from "effect"

interface Day {
  readonly day: string
  readonly orders: number
  readonly units: number
  readonly revenue: string
}

export interface Difference {
  readonly day: string
  readonly measure: "orders" | "units" | "revenue"
  readonly oltp: string
  readonly warehouse: string
}

export interface ReconciliationResult {
  readonly days: number
  readonly differences: ReadonlyArray<Difference>
}

/**
 * Revenue, units and order count per day (UTC) in the warehouse's marts
 * against the OLTP source: orders that are not cancelled, with their items.
 * Money is compared in exact cents.
 */
export const reconcileDaily = Effect.fn("Reconciliation.daily")(function* () {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const source = yield* oltp<Day>`
    SELECT to_char((o.order_time AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
           count(DISTINCT o.id)::int AS orders, sum(i.quantity)::int AS units, sum(i.quantity * i.unit_price)::text AS revenue
    FROM orders o JOIN order_items i ON i.order_id = o.id
    WHERE o.status <> 'cancelled'
    GROUP BY 1`
  const warehouse = yield* olap<Day>`
    SELECT to_char(date, 'YYYY-MM-DD') AS day, orders, units, revenue::text AS revenue
    FROM marts.mart_daily_sales WHERE orders > 0 OR revenue <> 0`
  const byDay = (rows: ReadonlyArray<Day>) => new Map(rows.map((r) => [r.day, r]))
  const left = byDay(source)
  const right = byDay(warehouse)
  const none: Day = { day: "", orders: 0, units: 0, revenue: "0" }
  const differences: Array<Difference> = []
  for (const day of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const a = left.get(day) ?? none
    const b = right.get(day) ?? none
    if (a.orders !== b.orders)
      differences.push({ day, measure: "orders", oltp: `${a.orders}`, warehouse: `${b.orders}` })
    if (a.units !== b.units) differences.push({ day, measure: "units", oltp: `${a.units}`, warehouse: `${b.units}` })
    const ca = parseDecimal(a.revenue) ?? Number.NaN
    const cb = parseDecimal(b.revenue) ?? Number.NaN
    if (ca !== cb) differences.push({ day, measure: "revenue", oltp: formatDecimal(ca), warehouse: formatDecimal(cb) })
  }
  return { days: left.size, differences } satisfies ReconciliationResult
})

export const describeDifferences = (result: ReconciliationResult) =>
  result.differences
    .slice(0, 10)
    .map((d) => `      ${d.day} ${d.measure}: OLTP ${d.oltp}, warehouse ${d.warehouse}`)
    .join("\n") + (result.differences.length > 10 ? `\n      … and ${result.differences.length - 10} more` : "")
