import { createHash } from "node:crypto"
import { int4Array, int8Array } from "@brewlytics/db/SqlArrays.ts"
import type { NewOrder } from "@brewlytics/domain/api/Orders.ts"
import type { PgClient } from "@effect/sql-pg"
import { type ShopError, ShopInvalid } from "../Problems.ts"
import { detailJson, itemJson, paymentJson } from "./Json.ts"

/** What the single order statement found wrong, when it wrote nothing. */
export interface Verdict {
  readonly created: unknown
  readonly customer_ok: boolean
  readonly employee_id: bigint | null
  readonly employee_active: boolean | null
  readonly unknown_products: ReadonlyArray<bigint> | null
  readonly inactive_products: ReadonlyArray<bigint> | null
}

const invalid = (code: string, message: string) => new ShopInvalid({ code, message })

const ids = (values: ReadonlyArray<bigint>) => values.map(String).join(", ")

/** Why an order was refused, naming every id at fault. */
export const rejection = (input: NewOrder, v: Verdict): ShopError => {
  if (!v.customer_ok) {
    return invalid(
      "unknown_customer",
      `There is no customer with id ${input.customer_id}: create it with POST /customers/new.`
    )
  }
  if (v.unknown_products !== null) {
    return invalid("unknown_product", `There is no product with id ${ids(v.unknown_products)}: see GET /products.`)
  }
  if (v.inactive_products !== null) {
    return invalid(
      "inactive_product",
      `Product ${ids(v.inactive_products)} is no longer sold: reactivate it with PATCH /products/{id} or leave it out.`
    )
  }
  if (input.employee_id === undefined || input.employee_id === null) {
    return invalid(
      "no_active_employee",
      "No employee is active to take the order: activate one with PATCH /employees/{id}."
    )
  }
  if (v.employee_id === null) {
    return invalid("unknown_employee", `There is no employee with id ${input.employee_id}: see GET /employees/active.`)
  }
  return invalid(
    "inactive_employee",
    `Employee ${input.employee_id} is not active: pick one from GET /employees/active, or leave employee_id out.`
  )
}

/** Canonical form of an order request, so that equal requests hash equally whatever their key order. */
export const requestHash = (input: NewOrder) =>
  createHash("sha256")
    .update(
      JSON.stringify([
        input.customer_id,
        input.employee_id ?? null,
        input.payment_method ?? "card",
        input.items.map((i) => [i.product_id, i.quantity])
      ])
    )
    .digest("hex")

/**
 * The whole order in ONE statement, so one round trip: it checks the
 * customer, employee and products, and only if all are fine writes the order,
 * its items at the products' current prices, its payment and the 'sold' stock
 * movements. A statement is atomic: a refused order writes nothing.
 *
 * It writes its own change-log rows (OLTP V6: four capture-trigger calls per
 * order cost more PostgreSQL CPU than the rows they write): it marks itself in
 * `verdict` so that the INSERT capture triggers skip it, and logs every row
 * it inserts (`RETURNING *`, the whole row, as the triggers would) in the
 * order the triggers did, then wakes a waiting runner as V5's trigger does.
 * Exported so that bench/api-rush can run the very same statement through pgbench.
 */
export const orderStatement = (sql: PgClient.PgClient, input: NewOrder) => {
  const productIds = input.items.map((i) => i.product_id)
  const quantities = input.items.map((i) => i.quantity)
  const employeeId = input.employee_id ?? null
  return sql<Verdict>`
    WITH lines AS (
      SELECT l.product_id, l.quantity, l.ord
      FROM unnest(${int8Array(productIds)}::bigint[], ${int4Array(quantities)}::int[]) WITH ORDINALITY AS l(product_id, quantity, ord)
    ),
    priced AS (
      SELECT l.ord, l.product_id, l.quantity, p.price, p.active
      FROM lines l LEFT JOIN products p ON p.id = l.product_id
    ),
    employee AS MATERIALIZED (
      SELECT id, active FROM employees
      WHERE CASE WHEN ${employeeId}::bigint IS NULL THEN active ELSE id = ${employeeId}::bigint END
      ORDER BY random() LIMIT 1
    ),
    verdict AS MATERIALIZED (
      SELECT set_config('brewlytics.self_captured', statement_timestamp()::text, true) AS self_captured,
             EXISTS (SELECT 1 FROM customers WHERE id = ${input.customer_id}) AS customer_ok,
             (SELECT id FROM employee) AS employee_id,
             (SELECT active FROM employee) AS employee_active,
             (SELECT array_agg(DISTINCT product_id) FROM priced WHERE price IS NULL) AS unknown_products,
             (SELECT array_agg(DISTINCT product_id) FROM priced WHERE price IS NOT NULL AND NOT active) AS inactive_products
    ),
    new_order AS (
      INSERT INTO orders (customer_id, employee_id)
      SELECT ${input.customer_id}, v.employee_id FROM verdict v
      WHERE v.customer_ok AND v.employee_active AND v.unknown_products IS NULL AND v.inactive_products IS NULL
      RETURNING *
    ),
    new_items AS (
      INSERT INTO order_items (order_id, product_id, quantity, unit_price)
      SELECT o.id, p.product_id, p.quantity, p.price FROM new_order o CROSS JOIN priced p ORDER BY p.ord
      RETURNING *
    ),
    new_payment AS (
      INSERT INTO payments (order_id, method, amount)
      SELECT o.id, ${input.payment_method ?? "card"}, (SELECT sum(p.price * p.quantity) FROM priced p)
      FROM new_order o
      RETURNING *
    ),
    new_stock AS (
      INSERT INTO stock_movements (product_id, kind, quantity, order_id)
      SELECT p.product_id, 'sold', p.quantity, o.id FROM new_order o CROSS JOIN priced p ORDER BY p.ord
      RETURNING *
    ),
    captured AS (
      INSERT INTO change_log (table_name, op, row_after)
      SELECT 'orders', 'INSERT', to_jsonb(o) FROM new_order o
      UNION ALL SELECT 'order_items', 'INSERT', to_jsonb(i) FROM new_items i
      UNION ALL SELECT 'payments', 'INSERT', to_jsonb(p) FROM new_payment p
      UNION ALL SELECT 'stock_movements', 'INSERT', to_jsonb(s) FROM new_stock s
      RETURNING id
    ),
    woken AS (
      SELECT pg_notify('brewlytics_changes', '') FROM change_log_wakeup
      WHERE armed AND EXISTS (SELECT 1 FROM captured)
    )
    SELECT
      (SELECT ${detailJson(sql, {
        total: sql`p.amount`,
        items: sql`(SELECT json_agg(${itemJson(sql)} ORDER BY i.id) FROM new_items i)`,
        payment: paymentJson(sql)
      })}
       FROM new_order o CROSS JOIN new_payment p) AS created,
      v.customer_ok, v.employee_id, v.employee_active, v.unknown_products, v.inactive_products,
      (SELECT count(*) FROM woken) AS woken
    FROM verdict v`
}
