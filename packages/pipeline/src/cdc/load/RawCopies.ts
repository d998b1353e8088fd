import { OlapSql } from "@brewlytics/db/Databases.ts"
import { int4Array, int8Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import type { Fragment } from "effect/sql/Statement"
import type { LoadPlan } from "../Types.ts"
import { deadLetterChecked } from "./DeadLetters.ts"
import { type DayDelta, movementDeltas, summed } from "./Inventory.ts"
import { int8, largestKey, money, type Sql, write, written } from "./Sql.ts"

/** What a statement returns: the ids of the orders whose rows it changed (null when none). */
interface OrderIds {
  readonly ids: ReadonlyArray<string | bigint> | null
}

/**
 * One statement that copies `checked` rows (a CTE of the source table's rows
 * with a `reason` column, null when the row can be placed in the star) into
 * `raw_<source>`: the ones with a reason are dead-lettered, the rest written. Returns
 * the orders whose rows changed: each row's order, and for a row that moved
 * from one order to another (`movable`), its old order too.
 */
const copyChecked = (
  sql: Sql,
  pipeline: string,
  copy: {
    /** Names the CTEs of `write`. */
    readonly name: string
    /** The OLTP table: its rows go to `raw_<source>`, its dead letters name it. */
    readonly source: "orders" | "order_items" | "payments"
    readonly key: string
    readonly columns: string
    /** `<rows> AS (SELECT * FROM unnest(…)), checked AS (SELECT <rows>.*, CASE … END AS reason FROM <rows>)` */
    readonly checked: Fragment
    readonly onConflict: Fragment
    readonly movable: boolean
  }
) => {
  const table = `raw_${copy.source}`
  const target = sql.literal(table)
  const key = sql.literal(copy.key)
  const before = copy.movable
    ? sql`before AS (
            SELECT r.order_id FROM ${target} r JOIN checked c USING (${key})
            WHERE c.reason IS NULL AND c.${key} <= ${largestKey(sql, table, copy.key)}
              AND r.order_id <> c.order_id
          ),`
    : sql``
  const changed = copy.movable
    ? sql`(SELECT order_id FROM ${written(sql, copy.name)} up UNION ALL SELECT order_id FROM before) x`
    : sql`${written(sql, copy.name)} up`
  return sql<OrderIds>`
          WITH ${copy.checked},
          ${deadLetterChecked(sql, pipeline, copy.source)},
          ${before}
          ${write(sql, copy.name, {
            table,
            key: copy.key,
            columns: copy.columns,
            source: sql`(SELECT * FROM checked WHERE reason IS NULL) ok`,
            onConflict: copy.onConflict,
            returning: "order_id"
          })}
          SELECT array_agg(DISTINCT order_id) AS ids FROM ${changed}`
}

/** Deletes the rows of `table` with the given keys, returning the orders they belonged to. */
const deleteRows = (sql: Sql, table: string, key: string, deletes: ReadonlyArray<{ readonly id: number }>) =>
  sql<OrderIds>`
          WITH gone AS (
            DELETE FROM ${sql.literal(table)} WHERE ${sql.literal(key)} = ANY(${int8(deletes.map((x) => x.id))}::int8[])
            RETURNING order_id
          )
          SELECT array_agg(DISTINCT order_id) AS ids FROM gone`

const copyOrders = (sql: Sql, pipeline: string, o: LoadPlan["orders"]["upserts"]) =>
  copyChecked(sql, pipeline, {
    name: "orders",
    source: "orders",
    key: "order_id",
    columns: "order_id, customer_id, employee_id, order_time, status",
    checked: sql`o AS (
            SELECT * FROM unnest(${int8(o.map((x) => x.change))}::int8[], ${textArray(o.map((x) => x.op))}::text[],
              ${int8(o.map((x) => x.row.id))}::int8[], ${int8(o.map((x) => x.row.customer_id))}::int8[],
              ${int8(o.map((x) => x.row.employee_id))}::int8[], ${textArray(o.map((x) => x.row.order_time))}::timestamptz[],
              ${textArray(o.map((x) => x.row.status))}::text[])
              AS o(change_id, op, order_id, customer_id, employee_id, order_time, status)
          ),
          checked AS (
            SELECT o.*, CASE
              WHEN NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date = (o.order_time AT TIME ZONE 'UTC')::date)
                THEN format('order_time %s is outside dim_date', o.order_time)
              WHEN NOT EXISTS (SELECT 1 FROM dim_customer c WHERE c.customer_id = o.customer_id)
                THEN format('customer %s is not in dim_customer', o.customer_id)
              WHEN NOT EXISTS (SELECT 1 FROM dim_employee e WHERE e.employee_id = o.employee_id)
                THEN format('employee %s is not in dim_employee', o.employee_id)
            END AS reason
            FROM o
          )`,
    onConflict: sql`UPDATE
            SET customer_id = EXCLUDED.customer_id, employee_id = EXCLUDED.employee_id,
                order_time = EXCLUDED.order_time, status = EXCLUDED.status
            WHERE (raw_orders.customer_id, raw_orders.employee_id, raw_orders.order_time, raw_orders.status)
              IS DISTINCT FROM (EXCLUDED.customer_id, EXCLUDED.employee_id, EXCLUDED.order_time, EXCLUDED.status)`,
    movable: false
  })

const copyOrderItems = (sql: Sql, pipeline: string, i: LoadPlan["order_items"]["upserts"]) =>
  copyChecked(sql, pipeline, {
    name: "items",
    source: "order_items",
    key: "order_item_id",
    columns: "order_item_id, order_id, product_id, quantity, unit_price",
    checked: sql`i AS (
            SELECT * FROM unnest(${int8(i.map((x) => x.change))}::int8[], ${textArray(i.map((x) => x.op))}::text[],
              ${int8(i.map((x) => x.row.id))}::int8[], ${int8(i.map((x) => x.row.order_id))}::int8[],
              ${int8(i.map((x) => x.row.product_id))}::int8[], ${int4Array(i.map((x) => x.row.quantity))}::int4[],
              ${money(i.map((x) => x.row.unit_price))}::numeric[])
              AS i(change_id, op, order_item_id, order_id, product_id, quantity, unit_price)
          ),
          checked AS (
            SELECT i.*, CASE
              WHEN NOT EXISTS (SELECT 1 FROM raw_orders r WHERE r.order_id = i.order_id)
                THEN format('order %s is not in the warehouse', i.order_id)
              WHEN NOT EXISTS (SELECT 1 FROM dim_product p WHERE p.product_id = i.product_id)
                THEN format('product %s is not in dim_product', i.product_id)
            END AS reason
            FROM i
          )`,
    onConflict: sql`UPDATE
            SET order_id = EXCLUDED.order_id, product_id = EXCLUDED.product_id,
                quantity = EXCLUDED.quantity, unit_price = EXCLUDED.unit_price
            WHERE (raw_order_items.order_id, raw_order_items.product_id, raw_order_items.quantity, raw_order_items.unit_price)
              IS DISTINCT FROM (EXCLUDED.order_id, EXCLUDED.product_id, EXCLUDED.quantity, EXCLUDED.unit_price)`,
    movable: true
  })

const copyPayments = (sql: Sql, pipeline: string, pay: LoadPlan["payments"]["upserts"]) =>
  copyChecked(sql, pipeline, {
    name: "payments",
    source: "payments",
    key: "payment_id",
    columns: "payment_id, order_id, method, amount, status, paid_at",
    checked: sql`p AS (
            SELECT * FROM unnest(${int8(pay.map((x) => x.change))}::int8[], ${textArray(pay.map((x) => x.op))}::text[],
              ${int8(pay.map((x) => x.row.id))}::int8[], ${int8(pay.map((x) => x.row.order_id))}::int8[],
              ${textArray(pay.map((x) => x.row.method))}::text[], ${money(pay.map((x) => x.row.amount))}::numeric[],
              ${textArray(pay.map((x) => x.row.status))}::text[], ${textArray(pay.map((x) => x.row.paid_at))}::timestamptz[])
              AS p(change_id, op, payment_id, order_id, method, amount, status, paid_at)
          ),
          checked AS (
            SELECT p.*, CASE
              WHEN NOT EXISTS (SELECT 1 FROM raw_orders r WHERE r.order_id = p.order_id)
                THEN format('order %s is not in the warehouse', p.order_id)
              WHEN NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date = (p.paid_at AT TIME ZONE 'UTC')::date)
                THEN format('paid_at %s is outside dim_date', p.paid_at)
            END AS reason
            FROM p
          )`,
    onConflict: sql`UPDATE
            SET order_id = EXCLUDED.order_id, method = EXCLUDED.method, amount = EXCLUDED.amount,
                status = EXCLUDED.status, paid_at = EXCLUDED.paid_at
            WHERE (raw_payments.order_id, raw_payments.method, raw_payments.amount, raw_payments.status, raw_payments.paid_at)
              IS DISTINCT FROM (EXCLUDED.order_id, EXCLUDED.method, EXCLUDED.amount, EXCLUDED.status, EXCLUDED.paid_at)`,
    movable: true
  })

/**
 * Source rows of orders, their items and payments, copied as they are. A row
 * that cannot be placed in the star (a date outside dim_date, an unknown
 * customer, product or order) is dead-lettered with the reason and not
 * applied; everything else in the batch goes on. Returns the orders whose
 * facts must be rebuilt.
 */
export const copyOrderRows = Effect.fn("cdc.load.rawCopies")(function* (plan: LoadPlan) {
  const sql = yield* OlapSql
  const pipeline = plan.from.pipeline
  const affected = new Set<bigint>()
  const add = (rows: ReadonlyArray<OrderIds>) => {
    for (const id of rows[0]?.ids ?? []) affected.add(BigInt(id))
  }
  const { orders, order_items: items, payments } = plan
  if (orders.upserts.length > 0) add(yield* copyOrders(sql, pipeline, orders.upserts))
  if (orders.deletes.length > 0) add(yield* deleteRows(sql, "raw_orders", "order_id", orders.deletes))
  if (items.upserts.length > 0) add(yield* copyOrderItems(sql, pipeline, items.upserts))
  if (items.deletes.length > 0) add(yield* deleteRows(sql, "raw_order_items", "order_item_id", items.deletes))
  if (payments.upserts.length > 0) add(yield* copyPayments(sql, pipeline, payments.upserts))
  if (payments.deletes.length > 0) add(yield* deleteRows(sql, "raw_payments", "payment_id", payments.deletes))
  return [...affected]
})

/**
 * Source rows of stock movements, copied as they are (dead-lettered when their
 * day is outside dim_date or their product unknown). Returns what they change
 * in each product-day's inventory.
 */
export const copyStockMovements = Effect.fn("cdc.load.stockMovements")(function* (plan: LoadPlan) {
  const sql = yield* OlapSql
  const deltas: Array<DayDelta> = []
  const s = plan.stock_movements.upserts
  if (s.length > 0) {
    deltas.push(
      ...(yield* sql<DayDelta>`
          WITH s AS (
            SELECT * FROM unnest(${int8(s.map((x) => x.change))}::int8[], ${textArray(s.map((x) => x.op))}::text[],
              ${int8(s.map((x) => x.row.id))}::int8[], ${int8(s.map((x) => x.row.product_id))}::int8[],
              ${textArray(s.map((x) => x.row.kind))}::text[], ${int4Array(s.map((x) => x.row.quantity))}::int4[],
              ${int8Array(s.map((x) => BigInt(x.row.order_id ?? 0)))}::int8[],
              ${textArray(s.map((x) => x.row.moved_at))}::timestamptz[])
              AS s(change_id, op, stock_movement_id, product_id, kind, quantity, order_id_or_0, moved_at)
          ),
          checked AS (
            -- 0 stands for "no order": the driver cannot type an array of nulls only.
            SELECT s.change_id, s.op, s.stock_movement_id, s.product_id, s.kind, s.quantity,
                   nullif(s.order_id_or_0, 0) AS order_id, s.moved_at, d.id AS date_id, CASE
              WHEN d.id IS NULL THEN format('moved_at %s is outside dim_date', s.moved_at)
              WHEN NOT EXISTS (SELECT 1 FROM dim_product p WHERE p.product_id = s.product_id)
                THEN format('product %s is not in dim_product', s.product_id)
            END AS reason
            FROM s LEFT JOIN dim_date d ON d.date = (s.moved_at AT TIME ZONE 'UTC')::date
          ),
          ${deadLetterChecked(sql, plan.from.pipeline, "stock_movements")},
          before AS (
            SELECT r.product_id, r.date_id, r.kind, r.quantity, r.order_id
            FROM raw_stock_movements r JOIN checked c USING (stock_movement_id)
            WHERE c.reason IS NULL AND c.stock_movement_id <= ${largestKey(sql, "raw_stock_movements", "stock_movement_id")}
          ),
          ${write(sql, "movements", {
            table: "raw_stock_movements",
            key: "stock_movement_id",
            columns: "stock_movement_id, product_id, kind, quantity, order_id, moved_at, date_id",
            source: sql`(SELECT * FROM checked WHERE reason IS NULL) ok`,
            onConflict: sql`UPDATE
            SET product_id = EXCLUDED.product_id, kind = EXCLUDED.kind, quantity = EXCLUDED.quantity,
                order_id = EXCLUDED.order_id, moved_at = EXCLUDED.moved_at, date_id = EXCLUDED.date_id`,
            returning: "product_id, date_id, kind, quantity, order_id"
          })}
          ${summed(sql, sql`${movementDeltas(sql, "-", sql`before b`)} UNION ALL ${movementDeltas(sql, "+", sql`${written(sql, "movements")} w`)}`)}`)
    )
  }
  const sd = plan.stock_movements.deletes
  if (sd.length > 0) {
    deltas.push(
      ...(yield* sql<DayDelta>`
          WITH gone AS (
            DELETE FROM raw_stock_movements WHERE stock_movement_id = ANY(${int8(sd.map((x) => x.id))}::int8[])
            RETURNING product_id, date_id, kind, quantity, order_id
          )
          ${summed(sql, movementDeltas(sql, "-", sql`gone`))}`)
    )
  }
  return deltas
})
