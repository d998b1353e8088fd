import { createHash } from "node:crypto"
import { OltpSql } from "@brewlytics/db/Databases.ts"
import { type NewOrder, OrderDetail, OrderSummary } from "@brewlytics/domain/api/Orders.ts"
import type { OrderId, OrderItemId } from "@brewlytics/domain/Ids.ts"
import type { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"
import { orNull, pageSize } from "../Paging.ts"
import { decodeRow, notFound, orDieSql, ShopError } from "../Problems.ts"

export interface OrderFilter {
  readonly after?: number | undefined
  readonly limit?: number | undefined
  readonly customer_id?: number | undefined
  readonly employee_id?: number | undefined
  readonly status?: string | undefined
}

/** What the single order statement found wrong, when it wrote nothing. */
export interface Verdict {
  readonly created: unknown
  readonly customer_ok: boolean
  readonly employee_id: bigint | null
  readonly employee_active: boolean | null
  readonly unknown_products: ReadonlyArray<bigint> | null
  readonly inactive_products: ReadonlyArray<bigint> | null
}

const invalid = (code: string, message: string) => new ShopError({ reason: "Invalid", code, message })
const conflict = (code: string, message: string) => new ShopError({ reason: "Conflict", code, message })

const ids = (values: ReadonlyArray<bigint>) => values.map(String).join(", ")

/** Why an order was refused, naming every id at fault. */
const rejection = (input: NewOrder, v: Verdict): ShopError => {
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
  // As text, cast to bigint[] in SQL: numbers would be sent as int4 or int8 element
  // by element, and the driver refuses an array whose elements differ (ids past 2^31).
  const productIds = input.items.map((i) => String(i.product_id))
  const quantities = input.items.map((i) => i.quantity)
  const employeeId = input.employee_id ?? null
  return sql<Verdict>`
    WITH lines AS (
      SELECT l.product_id, l.quantity, l.ord
      FROM unnest(${productIds}::bigint[], ${quantities}::int[]) WITH ORDINALITY AS l(product_id, quantity, ord)
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
      (SELECT json_build_object(
         'order_id', o.id, 'customer_id', o.customer_id, 'employee_id', o.employee_id,
         'order_time', o.order_time, 'status', o.status, 'total', pay.amount,
         'items', (SELECT json_agg(json_build_object('id', i.id, 'product_id', i.product_id,
                           'quantity', i.quantity, 'unit_price', i.unit_price) ORDER BY i.id) FROM new_items i),
         'payment', json_build_object('id', pay.id, 'method', pay.method, 'amount', pay.amount, 'status', pay.status))
       FROM new_order o CROSS JOIN new_payment pay) AS created,
      v.customer_ok, v.employee_id, v.employee_active, v.unknown_products, v.inactive_products,
      (SELECT count(*) FROM woken) AS woken
    FROM verdict v`
}

export class Orders extends Context.Service<
  Orders,
  {
    readonly create: (input: NewOrder, idempotencyKey?: string) => Effect.Effect<OrderDetail, ShopError>
    readonly get: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>
    readonly list: (
      filter: OrderFilter
    ) => Effect.Effect<{ items: ReadonlyArray<typeof OrderSummary.Type>; next_after: number | null }>
    readonly cancel: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>
    readonly changeItem: (id: OrderId, item: OrderItemId, quantity: number) => Effect.Effect<OrderDetail, ShopError>
    readonly removeItem: (id: OrderId, item: OrderItemId) => Effect.Effect<OrderDetail, ShopError>
  }
>()("@brewlytics/api/Orders") {
  static readonly layer = Layer.effect(
    Orders,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const decodeDetail = decodeRow(OrderDetail)
      const decodeSummary = decodeRow(OrderSummary)

      const insertOrder = (input: NewOrder) => orDieSql(orderStatement(sql, input))

      const createOnce = Effect.fn("Orders.createOnce")(function* (input: NewOrder) {
        const [verdict] = yield* insertOrder(input)
        if (verdict === undefined || verdict.created === null) return yield* rejection(input, verdict!)
        return yield* decodeDetail(verdict.created)
      })

      const detail = sql`json_build_object(
          'order_id', o.id, 'customer_id', o.customer_id, 'employee_id', o.employee_id,
          'order_time', o.order_time, 'status', o.status,
          'total', COALESCE((SELECT sum(i.quantity * i.unit_price) FROM order_items i WHERE i.order_id = o.id), 0),
          'items', COALESCE((SELECT json_agg(json_build_object('id', i.id, 'product_id', i.product_id,
                     'quantity', i.quantity, 'unit_price', i.unit_price) ORDER BY i.id)
                   FROM order_items i WHERE i.order_id = o.id), '[]'::json),
          'payment', (SELECT json_build_object('id', p.id, 'method', p.method, 'amount', p.amount, 'status', p.status)
                      FROM payments p WHERE p.order_id = o.id ORDER BY p.id LIMIT 1))`

      const get = Effect.fn("Orders.get")(function* (id: OrderId) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`SELECT ${detail} AS j FROM orders o WHERE o.id = ${id}`)
        if (rows.length === 0) return yield* notFound("order", id)
        return yield* decodeDetail(rows[0]!.j)
      })

      /**
       * With a key: the key row is inserted first, in the order's transaction.
       * A concurrent retry blocks on it until the first commits (then finds
       * it) or rolls back (then proceeds itself): never two orders per key.
       */
      const createIdempotent = Effect.fn("Orders.createIdempotent")(function* (input: NewOrder, key: string) {
        const hash = requestHash(input)
        return yield* sql
          .withTransaction(
            Effect.gen(function* () {
              const claimed = yield* orDieSql(sql`
              INSERT INTO idempotency_keys (key, request_hash) VALUES (${key}, ${hash})
              ON CONFLICT (key) DO NOTHING RETURNING key`)
              if (claimed.length === 0) {
                const [seen] = yield* orDieSql(
                  sql<{ request_hash: string; order_id: bigint | null }>`
                  SELECT request_hash, order_id FROM idempotency_keys WHERE key = ${key}`
                )
                if (seen === undefined || seen.order_id === null || seen.request_hash !== hash) {
                  return yield* conflict(
                    "idempotency_key_reused",
                    "This Idempotency-Key was already used for a different order request: use a new key for a new order."
                  )
                }
                return yield* get(Number(seen.order_id) as OrderId)
              }
              const created = yield* createOnce(input)
              yield* orDieSql(sql`UPDATE idempotency_keys SET order_id = ${created.order_id} WHERE key = ${key}`)
              return created
            })
          )
          .pipe(orDieSql)
      })

      const create = (input: NewOrder, idempotencyKey?: string) =>
        idempotencyKey === undefined ? createOnce(input) : createIdempotent(input, idempotencyKey)

      const list = Effect.fn("Orders.list")(function* (filter: OrderFilter) {
        const limit = pageSize(filter.limit)
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          SELECT json_build_object(
            'order_id', o.id, 'customer_id', o.customer_id, 'employee_id', o.employee_id,
            'order_time', o.order_time, 'status', o.status,
            'total', COALESCE((SELECT sum(i.quantity * i.unit_price) FROM order_items i WHERE i.order_id = o.id), 0)) AS j
          FROM orders o
          WHERE o.id > ${filter.after ?? 0}
            AND (${orNull(filter.customer_id)}::bigint IS NULL OR o.customer_id = ${orNull(filter.customer_id)}::bigint)
            AND (${orNull(filter.employee_id)}::bigint IS NULL OR o.employee_id = ${orNull(filter.employee_id)}::bigint)
            AND (${orNull(filter.status)}::text IS NULL OR o.status = ${orNull(filter.status)}::text)
          ORDER BY o.id LIMIT ${limit}`)
        const items = yield* Effect.forEach(rows, (r) => decodeSummary(r.j))
        return { items, next_after: items.length === limit ? items[items.length - 1]!.order_id : null }
      })

      /** Locks the order for a change; refuses a missing or cancelled one. */
      const lockOpen = (id: OrderId) =>
        Effect.gen(function* () {
          const [order] = yield* orDieSql(
            sql<{ status: string }>`SELECT status FROM orders WHERE id = ${id} FOR UPDATE`
          )
          if (order === undefined) return yield* notFound("order", id)
          if (order.status === "cancelled") {
            return yield* conflict("order_cancelled", `Order ${id} is cancelled and can no longer be changed.`)
          }
        })

      /** Keeps the payment equal to the order's total after its lines change. */
      const repay = (id: OrderId) =>
        orDieSql(sql`
          UPDATE payments SET amount = (SELECT COALESCE(sum(quantity * unit_price), 0) FROM order_items WHERE order_id = ${id})
          WHERE order_id = ${id}`)

      const cancel = Effect.fn("Orders.cancel")(function* (id: OrderId) {
        return yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* lockOpen(id)
              yield* orDieSql(sql`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = ${id}`)
              yield* orDieSql(sql`UPDATE payments SET status = 'refunded' WHERE order_id = ${id} AND status = 'paid'`)
              return yield* get(id)
            })
          )
          .pipe(orDieSql)
      })

      const changeItem = Effect.fn("Orders.changeItem")(function* (id: OrderId, item: OrderItemId, quantity: number) {
        return yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* lockOpen(id)
              const changed = yield* orDieSql(sql`
                UPDATE order_items SET quantity = ${quantity} WHERE id = ${item} AND order_id = ${id} RETURNING id`)
              if (changed.length === 0) return yield* notFound("order item", item)
              yield* repay(id)
              return yield* get(id)
            })
          )
          .pipe(orDieSql)
      })

      const removeItem = Effect.fn("Orders.removeItem")(function* (id: OrderId, item: OrderItemId) {
        return yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* lockOpen(id)
              const [found] = yield* orDieSql(sql<{ lines: number; mine: boolean }>`
                SELECT count(*)::int AS lines, bool_or(id = ${item}) AS mine FROM order_items WHERE order_id = ${id}`)
              if (found === undefined || found.mine !== true) return yield* notFound("order item", item)
              if (found.lines <= 1) {
                return yield* conflict(
                  "last_item",
                  `Item ${item} is the last of order ${id}: cancel the order with POST /orders/${id}/cancel instead.`
                )
              }
              yield* orDieSql(sql`DELETE FROM order_items WHERE id = ${item} AND order_id = ${id}`)
              yield* repay(id)
              return yield* get(id)
            })
          )
          .pipe(orDieSql)
      })

      return Orders.of({ create, get, list, cancel, changeItem, removeItem })
    })
  )
}
