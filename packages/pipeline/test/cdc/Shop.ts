import { OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { Effect } from "effect"

/**
 * OLTP writes for the tests, in plain SQL (the API is built in parallel):
 * the seed's master data, then orders with one or two items and a payment.
 */
export const seedShop = seed.pipe(Effect.orDie)

export const placeOrders = Effect.fn("test.placeOrders")(function* (
  count: number,
  options: { readonly at?: string; readonly salt?: number } = {}
) {
  const sql = yield* OltpSql
  const salt = options.salt ?? 0
  const at = options.at ?? null
  const orders = yield* sql<{ id: bigint }>`
    INSERT INTO orders (customer_id, employee_id, order_time)
    SELECT c.ids[1 + (g * 7 + ${salt}) % array_length(c.ids, 1)],
           e.ids[1 + (g * 3 + ${salt}) % array_length(e.ids, 1)],
           coalesce(${at}::timestamptz, now()) - make_interval(mins => (g * 37 + ${salt}) % 4000)
    FROM generate_series(1, ${count}) AS g,
         (SELECT array_agg(id ORDER BY id) AS ids FROM customers) c,
         (SELECT array_agg(id ORDER BY id) AS ids FROM employees WHERE active) e
    RETURNING id`
  const ids = orders.map((o) => o.id)
  yield* sql`
    INSERT INTO order_items (order_id, product_id, quantity, unit_price)
    SELECT o.id, p.ids[1 + ((o.id * 5 + k * 11 + ${salt}) % array_length(p.ids, 1))], 1 + (o.id + k) % 3, 1
    FROM unnest(${ids}::int8[]) AS o(id), generate_series(1, 1 + (o.id % 2)::int) AS k,
         (SELECT array_agg(id ORDER BY id) AS ids FROM products WHERE active) p`
  // The price at the moment of sale, as the API would write it.
  yield* sql`
    UPDATE order_items i SET unit_price = p.price FROM products p
    WHERE p.id = i.product_id AND i.order_id = ANY(${ids}::int8[])`
  yield* sql`
    INSERT INTO payments (order_id, method, amount)
    SELECT order_id, (ARRAY['cash', 'card', 'mobile'])[1 + order_id % 3], sum(quantity * unit_price)
    FROM order_items WHERE order_id = ANY(${ids}::int8[]) GROUP BY order_id`
  return ids
})

export const receiveStock = Effect.fn("test.receiveStock")(function* (productId: bigint, quantity: number) {
  const sql = yield* OltpSql
  yield* sql`INSERT INTO stock_movements (product_id, kind, quantity) VALUES (${productId}, 'received', ${quantity})`
})
