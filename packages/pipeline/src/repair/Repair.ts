import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { boolArray, int4Array, int8Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import { Effect, Schema } from "effect"
import { lagSince } from "../cdc/Cdc.ts"
import { rebuildFacts } from "../cdc/load/Facts.ts"
import { applyInventory, type DayDelta, movementDeltas, summed } from "../cdc/load/Inventory.ts"
import type { Sql } from "../cdc/load/Sql.ts"
import { CDC_PIPELINE } from "../cdc/Types.ts"
import { type DimensionTable, daysOf, type Located, locate } from "./Compare.ts"

export class RepairRefused extends Schema.TaggedError<RepairRefused>()("RepairRefused", {
  message: Schema.String
}) {}

/** What a repair did: the days whose facts it rebuilt and the dimension rows it set back to OLTP's. */
export interface Repaired {
  readonly days: ReadonlyArray<string>
  readonly dimensions: Located["dimensions"]
  readonly orders: number
}

/** A timestamptz as ISO 8601 text with its offset, whatever the session's settings. */
const iso = (column: string) => `to_jsonb(${column}) #>> '{}'`

const ids = (xs: ReadonlyArray<string>) => int8Array(xs)

/** Customers and employees (type 1): the differing rows set to OLTP's, the ones OLTP no longer has stamped deleted. */
const repairPeople = Effect.fn("Reconcile.repairPeople")(function* (
  oltp: Sql,
  olap: Sql,
  keys: ReadonlyArray<string>,
  table: "dim_customer" | "dim_employee"
) {
  if (keys.length === 0) return
  if (table === "dim_customer") {
    const rows = yield* oltp<{ id: string; name: string; email: string; updated_at: string }>`
      SELECT id::text, name, email, ${oltp.literal(iso("updated_at"))} AS updated_at FROM customers WHERE id = ANY(${ids(keys)}::int8[])`
    yield* olap`
      INSERT INTO dim_customer (customer_id, name, email, updated_at)
      SELECT * FROM unnest(${ids(rows.map((r) => r.id))}::int8[], ${textArray(rows.map((r) => r.name))}::text[],
        ${textArray(rows.map((r) => r.email))}::text[], ${textArray(rows.map((r) => r.updated_at))}::timestamptz[])
      ON CONFLICT (customer_id) DO UPDATE
      SET name = EXCLUDED.name, email = EXCLUDED.email, updated_at = EXCLUDED.updated_at, deleted_at = NULL`
    yield* olap`
      UPDATE dim_customer SET deleted_at = now()
      WHERE customer_id = ANY(${ids(keys.filter((k) => !rows.some((r) => r.id === k)))}::int8[]) AND deleted_at IS NULL`
  } else {
    const rows = yield* oltp<{ id: string; name: string; role: string; active: boolean; updated_at: string }>`
      SELECT id::text, name, role, active, ${oltp.literal(iso("updated_at"))} AS updated_at FROM employees WHERE id = ANY(${ids(keys)}::int8[])`
    yield* olap`
      INSERT INTO dim_employee (employee_id, name, role, active, updated_at)
      SELECT * FROM unnest(${ids(rows.map((r) => r.id))}::int8[], ${textArray(rows.map((r) => r.name))}::text[],
        ${textArray(rows.map((r) => r.role))}::text[], ${boolArray(rows.map((r) => r.active))}::bool[],
        ${textArray(rows.map((r) => r.updated_at))}::timestamptz[])
      ON CONFLICT (employee_id) DO UPDATE
      SET name = EXCLUDED.name, role = EXCLUDED.role, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at, deleted_at = NULL`
    yield* olap`
      UPDATE dim_employee SET deleted_at = now()
      WHERE employee_id = ANY(${ids(keys.filter((k) => !rows.some((r) => r.id === k)))}::int8[]) AND deleted_at IS NULL`
  }
})

/**
 * Products (type 2): the current version set back to OLTP's attributes (a
 * version altered by hand is that version, so it is corrected in place, not
 * superseded); a product without any version gets its first; one OLTP no
 * longer has is closed.
 */
const repairProducts = Effect.fn("Reconcile.repairProducts")(function* (
  oltp: Sql,
  olap: Sql,
  keys: ReadonlyArray<string>
) {
  if (keys.length === 0) return
  const rows = yield* oltp<{
    id: string
    name: string
    price: string
    category: string
    size: string
    active: boolean
    created_at: string
  }>`
    SELECT id::text, name, price::text, category, size, active, ${oltp.literal(iso("created_at"))} AS created_at
    FROM products WHERE id = ANY(${ids(keys)}::int8[])`
  yield* olap`
    WITH p AS (
      SELECT * FROM unnest(${ids(rows.map((r) => r.id))}::int8[], ${textArray(rows.map((r) => r.name))}::text[],
        ${textArray(rows.map((r) => r.price))}::numeric[], ${textArray(rows.map((r) => r.category))}::text[],
        ${textArray(rows.map((r) => r.size))}::text[], ${boolArray(rows.map((r) => r.active))}::bool[],
        ${textArray(rows.map((r) => r.created_at))}::timestamptz[])
        AS p(product_id, name, price, category, size, active, created_at)
    ),
    fixed AS (
      UPDATE dim_product d SET name = p.name, price = p.price, category = p.category, size = p.size, active = p.active
      FROM p WHERE d.product_id = p.product_id AND d.is_current
      RETURNING d.product_id
    )
    INSERT INTO dim_product (product_id, name, price, category, size, active, valid_from, is_current)
    SELECT p.product_id, p.name, p.price, p.category, p.size, p.active, p.created_at, true FROM p
    WHERE NOT EXISTS (SELECT 1 FROM dim_product d WHERE d.product_id = p.product_id)`
  yield* olap`
    UPDATE dim_product SET valid_to = greatest(valid_from, now()), is_current = false
    WHERE product_id = ANY(${ids(keys.filter((k) => !rows.some((r) => r.id === k)))}::int8[]) AND is_current`
})

type Dates = ReturnType<typeof textArray>
type DayIds = ReturnType<typeof int4Array>

/** Every order with a sale or a payment on the days, on either side. */
const ordersOfDays = Effect.fn("Repair.ordersOfDays")(function* (oltp: Sql, olap: Sql, dates: Dates, dayIds: DayIds) {
  const inOltp = yield* oltp<{ id: string }>`
    SELECT id::text FROM orders WHERE (order_time AT TIME ZONE 'UTC')::date = ANY(${dates}::date[])
    UNION SELECT order_id::text FROM payments WHERE (paid_at AT TIME ZONE 'UTC')::date = ANY(${dates}::date[])`
  const inOlap = yield* olap<{ id: string }>`
    SELECT order_id::text AS id FROM raw_orders WHERE (order_time AT TIME ZONE 'UTC')::date = ANY(${dates}::date[])
    UNION SELECT order_id::text FROM raw_payments WHERE (paid_at AT TIME ZONE 'UTC')::date = ANY(${dates}::date[])
    UNION SELECT order_id::text FROM fact_sales WHERE date_id = ANY(${dayIds}::int4[])
    UNION SELECT order_id::text FROM fact_payments WHERE date_id = ANY(${dayIds}::int4[])`
  return [...new Set([...inOltp, ...inOlap].map((r) => r.id))]
})

/** The copies of the orders (their items and payments) replaced by OLTP's rows, as the load would have copied them. */
const recopyOrders = Effect.fn("Repair.recopyOrders")(function* (oltp: Sql, olap: Sql, orders: ReadonlyArray<string>) {
  const scope = ids(orders)
  const o = yield* oltp<{ id: string; customer_id: string; employee_id: string; order_time: string; status: string }>`
    SELECT id::text, customer_id::text, employee_id::text, ${oltp.literal(iso("order_time"))} AS order_time, status
    FROM orders WHERE id = ANY(${scope}::int8[])`
  const i = yield* oltp<{ id: string; order_id: string; product_id: string; quantity: number; unit_price: string }>`
    SELECT id::text, order_id::text, product_id::text, quantity, unit_price::text FROM order_items WHERE order_id = ANY(${scope}::int8[])`
  const p = yield* oltp<{
    id: string
    order_id: string
    method: string
    amount: string
    status: string
    paid_at: string
  }>`
    SELECT id::text, order_id::text, method, amount::text, status, ${oltp.literal(iso("paid_at"))} AS paid_at
    FROM payments WHERE order_id = ANY(${scope}::int8[])`
  yield* olap`DELETE FROM raw_order_items WHERE order_id = ANY(${scope}::int8[])`
  yield* olap`DELETE FROM raw_payments WHERE order_id = ANY(${scope}::int8[])`
  yield* olap`DELETE FROM raw_orders WHERE order_id = ANY(${scope}::int8[])`
  yield* olap`
    INSERT INTO raw_orders (order_id, customer_id, employee_id, order_time, status)
    SELECT * FROM unnest(${ids(o.map((r) => r.id))}::int8[], ${ids(o.map((r) => r.customer_id))}::int8[],
      ${ids(o.map((r) => r.employee_id))}::int8[], ${textArray(o.map((r) => r.order_time))}::timestamptz[],
      ${textArray(o.map((r) => r.status))}::text[])`
  yield* olap`
    INSERT INTO raw_order_items (order_item_id, order_id, product_id, quantity, unit_price)
    SELECT * FROM unnest(${ids(i.map((r) => r.id))}::int8[], ${ids(i.map((r) => r.order_id))}::int8[],
      ${ids(i.map((r) => r.product_id))}::int8[], ${int4Array(i.map((r) => r.quantity))}::int4[],
      ${textArray(i.map((r) => r.unit_price))}::numeric[])
    ON CONFLICT (order_item_id) DO UPDATE
    SET order_id = EXCLUDED.order_id, product_id = EXCLUDED.product_id, quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price`
  yield* olap`
    INSERT INTO raw_payments (payment_id, order_id, method, amount, status, paid_at)
    SELECT * FROM unnest(${ids(p.map((r) => r.id))}::int8[], ${ids(p.map((r) => r.order_id))}::int8[],
      ${textArray(p.map((r) => r.method))}::text[], ${textArray(p.map((r) => r.amount))}::numeric[],
      ${textArray(p.map((r) => r.status))}::text[], ${textArray(p.map((r) => r.paid_at))}::timestamptz[])
    ON CONFLICT (payment_id) DO UPDATE
    SET order_id = EXCLUDED.order_id, method = EXCLUDED.method, amount = EXCLUDED.amount,
        status = EXCLUDED.status, paid_at = EXCLUDED.paid_at`
})

/** The days' stock movements copied again from OLTP. */
const recopyMovements = Effect.fn("Repair.recopyMovements")(function* (
  oltp: Sql,
  olap: Sql,
  dates: Dates,
  dayIds: DayIds
) {
  const s = yield* oltp<{
    id: string
    product_id: string
    kind: string
    quantity: number
    order_id: string | null
    moved_at: string
  }>`
    SELECT id::text, product_id::text, kind, quantity, order_id::text, ${oltp.literal(iso("moved_at"))} AS moved_at
    FROM stock_movements WHERE (moved_at AT TIME ZONE 'UTC')::date = ANY(${dates}::date[])`
  yield* olap`DELETE FROM raw_stock_movements WHERE date_id = ANY(${dayIds}::int4[])`
  yield* olap`
    INSERT INTO raw_stock_movements (stock_movement_id, product_id, kind, quantity, order_id, moved_at, date_id)
    -- 0 stands for "no order": the driver cannot type an array of nulls only.
    SELECT s.stock_movement_id, s.product_id, s.kind, s.quantity, nullif(s.order_id, 0), s.moved_at,
           to_char(s.moved_at AT TIME ZONE 'UTC', 'YYYYMMDD')::int
    FROM unnest(${ids(s.map((r) => r.id))}::int8[], ${ids(s.map((r) => r.product_id))}::int8[],
      ${textArray(s.map((r) => r.kind))}::text[], ${int4Array(s.map((r) => r.quantity))}::int4[],
      ${ids(s.map((r) => r.order_id ?? "0"))}::int8[], ${textArray(s.map((r) => r.moved_at))}::timestamptz[])
      AS s(stock_movement_id, product_id, kind, quantity, order_id, moved_at)
    ON CONFLICT (stock_movement_id) DO UPDATE
    SET product_id = EXCLUDED.product_id, kind = EXCLUDED.kind, quantity = EXCLUDED.quantity,
        order_id = EXCLUDED.order_id, moved_at = EXCLUDED.moved_at, date_id = EXCLUDED.date_id`
})

/**
 * The days' inventory recounted from the rebuilt sales and the movements: the
 * difference from what fact_inventory holds, applied as the load applies its
 * deltas; on hand, a running total, set back where it was altered.
 */
const recountInventory = Effect.fn("Repair.recountInventory")(function* (olap: Sql, dayIds: DayIds) {
  const recount = yield* olap<DayDelta>`${summed(
    olap,
    olap`SELECT product_id, date_id, quantity AS sold, 0 AS received, 0 AS wasted FROM fact_sales WHERE date_id = ANY(${dayIds}::int4[])
         UNION ALL ${movementDeltas(olap, "+", olap`(SELECT * FROM raw_stock_movements WHERE date_id = ANY(${dayIds}::int4[])) m`)}
         UNION ALL SELECT product_id, date_id, -quantity_sold, -quantity_received, -quantity_wasted
         FROM fact_inventory WHERE date_id = ANY(${dayIds}::int4[])`
  )}`
  yield* applyInventory(recount)
  // On hand is a running total: an altered one is set back even where the day's counts were right.
  yield* olap`
    UPDATE fact_inventory f SET quantity_on_hand = x.on_hand
    FROM (
      SELECT id, sum(quantity_received - quantity_sold - quantity_wasted) OVER (PARTITION BY product_id ORDER BY date_id) AS on_hand
      FROM fact_inventory
    ) x
    WHERE f.id = x.id AND f.quantity_on_hand IS DISTINCT FROM x.on_hand`
})

/**
 * The days' source rows (orders, their items and payments, stock movements)
 * copied again from OLTP, every fact of their orders rebuilt from those copies
 * (the load's own rebuild), and the days' inventory recounted. Returns the
 * orders rebuilt.
 */
const repairDays = Effect.fn("Reconcile.repairDays")(function* (oltp: Sql, olap: Sql, days: ReadonlyArray<string>) {
  if (days.length === 0) return 0
  const dayIds = int4Array(days.map((d) => Number(d.replaceAll("-", ""))))
  const dates = textArray(days)
  const orders = yield* ordersOfDays(oltp, olap, dates, dayIds)
  yield* recopyOrders(oltp, olap, orders)
  yield* recopyMovements(oltp, olap, dates, dayIds)
  // The orders' facts dropped, then rebuilt from the copies by the load's own statements:
  // a fact altered by hand in a column the load's upsert does not compare is rebuilt too.
  yield* olap`DELETE FROM fact_sales WHERE order_id = ANY(${ids(orders)}::int8[])`
  yield* olap`DELETE FROM fact_payments WHERE order_id = ANY(${ids(orders)}::int8[])`
  yield* rebuildFacts(orders.map(BigInt))
  yield* recountInventory(olap, dayIds)
  return orders.length
})

/**
 * Rebuilds what differs between OLTP and the warehouse, in ONE OLAP
 * transaction holding the CDC watermark's row (`FOR UPDATE`, as a load's
 * compare-and-set does) without moving it: a batch that starts meanwhile
 * waits, then loads on top of the repair as it would have. The dimension rows
 * that differ are set back to OLTP's, and the fact days that differ (those
 * within `from`..`to` when given) are rebuilt from OLTP's rows; the fact
 * tables' triggers mark those days changed, so the marts follow on the next
 * `models run`.
 *
 * OLTP is read in one repeatable-read snapshot, and only when every change it
 * holds is loaded (lag 0 under the lock): a change still waiting would be
 * applied twice or out of order (a product version), so the repair is then
 * refused.
 */
export const repair = Effect.fn("Reconcile.repair")(function* (
  options: { readonly from?: string; readonly to?: string } = {}
) {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const body = Effect.gen(function* () {
    yield* oltp`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`
    const [watermark] = yield* olap<{ snapshot: string }>`
      SELECT snapshot FROM pipeline_watermark WHERE pipeline = ${CDC_PIPELINE} FOR UPDATE`
    if (watermark === undefined) {
      return yield* new RepairRefused({
        message: `No watermark for ${CDC_PIPELINE}: run \`brewlytics migrate\` first.`
      })
    }
    const behind = yield* lagSince({ pipeline: CDC_PIPELINE, snapshot: watermark.snapshot })
    if (behind.events > 0) {
      return yield* new RepairRefused({
        message: `${behind.events} change(s) are not loaded yet: let the pipeline catch up (brewlytics pipeline status shows its lag), then repair again.`
      })
    }
    const located = yield* locate()
    const days = daysOf(located).filter((d) => (options.from ?? d) <= d && d <= (options.to ?? d))
    const keysOf = (table: DimensionTable) => located.dimensions.filter((d) => d.table === table).map((d) => d.id)
    yield* repairPeople(oltp, olap, keysOf("dim_customer"), "dim_customer")
    yield* repairPeople(oltp, olap, keysOf("dim_employee"), "dim_employee")
    yield* repairProducts(oltp, olap, keysOf("dim_product"))
    const orders = yield* repairDays(oltp, olap, days)
    return { days, dimensions: located.dimensions, orders } satisfies Repaired
  })
  return yield* olap.withTransaction(oltp.withTransaction(body))
})
