import { OlapSql } from "@brewlytics/db/Databases.ts"
import { int8Array } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import type { Fragment } from "effect/sql/Statement"
import { type DayDelta, summed } from "./Inventory.ts"
import { largestKey, type Sql, write, written } from "./Sql.ts"

/** The orders that can have facts in `table`: none above its largest order id (a backlog's new orders). */
const held = (sql: Sql, ids: Fragment, table: string) =>
  sql`ARRAY(SELECT x FROM unnest(${ids}) x WHERE x <= ${largestKey(sql, table, "order_id")})`

/**
 * Each product version from its valid_from to the next one's, the first
 * from the start of time: a sale takes the version it falls in (before the
 * first version, the first). A hash join on the product, not two lookups per sale.
 */
const versions = (sql: Sql) => sql`versions AS (
          SELECT id, product_id,
                 CASE WHEN lag(valid_from) OVER w IS NULL THEN '-infinity' ELSE valid_from END AS starts,
                 coalesce(lead(valid_from) OVER w, 'infinity') AS ends
          FROM dim_product WINDOW w AS (PARTITION BY product_id ORDER BY valid_from)
        )`

/**
 * The orders' sales facts: the stale ones deleted (disjoint from the live ones
 * written), the live ones written, and the units sold per product-day before
 * and after (all of the orders' live facts) returned as inventory deltas.
 */
const rebuildSales = (sql: Sql, ids: Fragment) =>
  sql<DayDelta>`
        WITH before AS (SELECT product_id, date_id, quantity FROM fact_sales WHERE order_id = ANY(${held(sql, ids, "fact_sales")})),
        gone AS (
          DELETE FROM fact_sales f
          WHERE f.order_id = ANY(${held(sql, ids, "fact_sales")})
            AND NOT EXISTS (
              SELECT 1 FROM raw_order_items i JOIN raw_orders o ON o.order_id = i.order_id
              WHERE i.order_item_id = f.order_item_id AND o.status <> 'cancelled')
        ),
        ${versions(sql)},
        live AS (
          SELECT i.order_item_id, o.order_id,
                 to_char(o.order_time AT TIME ZONE 'UTC', 'YYYYMMDD')::int AS date_id,
                 extract(hour FROM o.order_time AT TIME ZONE 'UTC')::smallint AS time_of_day_id,
                 c.id AS customer_dim_id, v.id AS product_dim_id,
                 e.id AS employee_dim_id, i.product_id, i.quantity, i.unit_price AS price,
                 i.quantity * i.unit_price AS total, o.order_time, o.status AS order_status
          FROM raw_orders o
          JOIN raw_order_items i ON i.order_id = o.order_id
          JOIN dim_customer c ON c.customer_id = o.customer_id
          JOIN dim_employee e ON e.employee_id = o.employee_id
          LEFT JOIN versions v ON v.product_id = i.product_id AND o.order_time >= v.starts AND o.order_time < v.ends
          WHERE o.order_id = ANY(${ids}) AND o.status <> 'cancelled'
        ),
        ${write(sql, "sales", {
          table: "fact_sales",
          key: "order_item_id",
          columns:
            "order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id, employee_dim_id, product_id, quantity, price, total, order_time, order_status",
          source: sql`live`,
          onConflict: sql`UPDATE
          SET order_id = EXCLUDED.order_id, date_id = EXCLUDED.date_id, time_of_day_id = EXCLUDED.time_of_day_id,
              customer_dim_id = EXCLUDED.customer_dim_id, employee_dim_id = EXCLUDED.employee_dim_id,
              -- a past sale keeps the product version it was first loaded with
              product_dim_id = CASE WHEN fact_sales.product_id = EXCLUDED.product_id
                                    THEN fact_sales.product_dim_id ELSE EXCLUDED.product_dim_id END,
              product_id = EXCLUDED.product_id, quantity = EXCLUDED.quantity, price = EXCLUDED.price,
              total = EXCLUDED.total, order_time = EXCLUDED.order_time, order_status = EXCLUDED.order_status
          WHERE (fact_sales.order_id, fact_sales.date_id, fact_sales.customer_dim_id, fact_sales.employee_dim_id,
                 fact_sales.product_id, fact_sales.quantity, fact_sales.price, fact_sales.order_time, fact_sales.order_status)
            IS DISTINCT FROM (EXCLUDED.order_id, EXCLUDED.date_id, EXCLUDED.customer_dim_id, EXCLUDED.employee_dim_id,
                 EXCLUDED.product_id, EXCLUDED.quantity, EXCLUDED.price, EXCLUDED.order_time, EXCLUDED.order_status)`,
          returning: "order_item_id"
        })}
        ${summed(
          sql,
          sql`SELECT product_id, date_id, -quantity AS sold, 0 AS received, 0 AS wasted FROM before
          UNION ALL SELECT product_id, date_id, quantity, 0, 0 FROM live`
        )}`

/** The orders' payment facts: the stale ones deleted, the live ones written. */
const rebuildPayments = (sql: Sql, ids: Fragment) =>
  sql`
        WITH gone AS (
          DELETE FROM fact_payments f
          WHERE f.order_id = ANY(${held(sql, ids, "fact_payments")})
            AND NOT EXISTS (
              SELECT 1 FROM raw_payments p JOIN raw_orders o ON o.order_id = p.order_id
              WHERE p.payment_id = f.payment_id AND o.status <> 'cancelled')
        ),
        live AS (
          SELECT p.payment_id, o.order_id, c.id AS customer_dim_id, p.amount AS payment_amount,
                 p.method AS payment_method, p.status AS payment_status,
                 to_char(p.paid_at AT TIME ZONE 'UTC', 'YYYYMMDD')::int AS date_id, p.paid_at AS recorded_at
          FROM raw_orders o
          JOIN raw_payments p ON p.order_id = o.order_id
          JOIN dim_customer c ON c.customer_id = o.customer_id
          WHERE o.order_id = ANY(${ids}) AND o.status <> 'cancelled'
        ),
        ${write(sql, "payments", {
          table: "fact_payments",
          key: "payment_id",
          columns:
            "payment_id, order_id, customer_dim_id, payment_amount, payment_method, payment_status, date_id, recorded_at",
          source: sql`live`,
          onConflict: sql`UPDATE
          SET order_id = EXCLUDED.order_id, customer_dim_id = EXCLUDED.customer_dim_id,
              payment_amount = EXCLUDED.payment_amount, payment_method = EXCLUDED.payment_method,
              payment_status = EXCLUDED.payment_status, date_id = EXCLUDED.date_id, recorded_at = EXCLUDED.recorded_at
          WHERE (fact_payments.order_id, fact_payments.customer_dim_id, fact_payments.payment_amount,
                 fact_payments.payment_method, fact_payments.payment_status, fact_payments.recorded_at)
            IS DISTINCT FROM (EXCLUDED.order_id, EXCLUDED.customer_dim_id, EXCLUDED.payment_amount,
                 EXCLUDED.payment_method, EXCLUDED.payment_status, EXCLUDED.recorded_at)`,
          returning: "payment_id"
        })}
        SELECT count(*) FROM ${written(sql, "payments")} w`

/**
 * Facts of every affected order, rebuilt from its source rows: one row per
 * live item or payment (none when the order is cancelled or gone), same key as
 * before. One statement per fact table. Returns the sales' inventory deltas.
 */
export const rebuildFacts = Effect.fn("cdc.load.facts")(function* (orders: ReadonlyArray<bigint>) {
  if (orders.length === 0) return []
  const sql = yield* OlapSql
  const ids = sql`${int8Array(orders)}::int8[]`
  const sold = yield* rebuildSales(sql, ids)
  yield* rebuildPayments(sql, ids)
  return sold
})
