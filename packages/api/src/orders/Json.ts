import type { PgClient } from "@effect/sql-pg"
import type { Fragment } from "effect/sql/Statement"

/*
 * The order's JSON as the contract's `OrderSummary` and `OrderDetail` have it,
 * built by PostgreSQL over an order aliased `o`: the one place its shape is
 * written, for the order just created and for the orders read back.
 */

const summaryFields = (sql: PgClient.PgClient, total: Fragment) => sql`
  'order_id', o.id, 'customer_id', o.customer_id, 'employee_id', o.employee_id,
  'order_time', o.order_time, 'status', o.status, 'total', ${total}`

/** One line of an order, aliased `i`. */
export const itemJson = (sql: PgClient.PgClient) =>
  sql`json_build_object('id', i.id, 'product_id', i.product_id, 'quantity', i.quantity, 'unit_price', i.unit_price)`

/** An order's payment, aliased `p`. */
export const paymentJson = (sql: PgClient.PgClient) =>
  sql`json_build_object('id', p.id, 'method', p.method, 'amount', p.amount, 'status', p.status)`

/** `OrderSummary`: the order and its `total`. */
export const summaryJson = (sql: PgClient.PgClient, total: Fragment) =>
  sql`json_build_object(${summaryFields(sql, total)})`

/** `OrderDetail`: the summary with its `items` (a JSON array) and its `payment`. */
export const detailJson = (
  sql: PgClient.PgClient,
  parts: { readonly total: Fragment; readonly items: Fragment; readonly payment: Fragment }
) => sql`json_build_object(${summaryFields(sql, parts.total)}, 'items', ${parts.items}, 'payment', ${parts.payment})`
