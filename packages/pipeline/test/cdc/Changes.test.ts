import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Queue } from "effect"
import type { Fragment } from "effect/sql/Statement"
import { CHANGES_CHANNEL } from "../../src/cdc/Types.ts"
import { drain as drainAll } from "../../src/pipelines/RunCdcToStar.ts"
import { reconcile } from "../../src/Reconcile.ts"
import { assertReconciled, placeOrders, seedShop } from "./Shop.ts"

const drain = drainAll({ limit: 1000 })

interface Fact {
  readonly id: string
  readonly quantity: number
  readonly total: string
  readonly product_dim_id: string
}

const factOf = (itemId: bigint) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const rows = yield* olap<Fact>`
      SELECT id::text, quantity, total::text, product_dim_id::text FROM fact_sales WHERE order_item_id = ${itemId}`
    return rows[0]
  })

describe("cdc updates and deletes", () => {
  it.effect("a changed quantity updates its fact in place; a removed item deletes it", () =>
    Effect.gen(function* () {
      yield* seedShop
      const [order] = yield* placeOrders(1)
      const oltp = yield* OltpSql
      yield* oltp`INSERT INTO order_items (order_id, product_id, quantity, unit_price)
                  SELECT ${order}, id, 1, price FROM products ORDER BY id LIMIT 2`
      yield* drain
      const items = yield* oltp<{ id: bigint; unit_price: string }>`
        SELECT id, unit_price::text FROM order_items WHERE order_id = ${order} ORDER BY id`
      const [kept, removed] = items.slice(-2)
      const before = (yield* factOf(kept!.id))!
      yield* oltp`UPDATE order_items SET quantity = 4 WHERE id = ${kept!.id}`
      yield* oltp`DELETE FROM order_items WHERE id = ${removed!.id}`
      yield* drain
      const after = (yield* factOf(kept!.id))!
      assert.strictEqual(after.id, before.id, "same fact row, updated")
      assert.strictEqual(after.quantity, 4)
      assert.strictEqual(after.total, (Number(kept!.unit_price) * 4).toFixed(2))
      assert.isUndefined(yield* factOf(removed!.id))
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a cancelled order loses its sales and payment facts; re-opened, it gets them back", () =>
    Effect.gen(function* () {
      yield* seedShop
      const [order, other] = yield* placeOrders(2)
      yield* drain
      const olap = yield* OlapSql
      const oltp = yield* OltpSql
      const counts = Effect.gen(function* () {
        const [r] = yield* olap<{ sales: number; payments: number }>`
          SELECT (SELECT count(*)::int FROM fact_sales WHERE order_id = ${order}) AS sales,
                 (SELECT count(*)::int FROM fact_payments WHERE order_id = ${order}) AS payments`
        return r!
      })
      assert.isAbove((yield* counts).sales, 0)
      yield* oltp`UPDATE orders SET status = 'cancelled' WHERE id = ${order}`
      yield* drain
      assert.deepStrictEqual(yield* counts, { sales: 0, payments: 0 })
      const [kept] = yield* olap<{ n: number }>`SELECT count(*)::int AS n FROM fact_sales WHERE order_id = ${other}`
      assert.isAbove(kept!.n, 0)
      yield* assertReconciled()
      yield* oltp`UPDATE orders SET status = 'completed' WHERE id = ${order}`
      yield* drain
      assert.isAbove((yield* counts).sales, 0)
      assert.strictEqual((yield* counts).payments, 1)
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a price change starts a new product version; past sales keep the version they were sold at", () =>
    Effect.gen(function* () {
      yield* seedShop
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const [product] = yield* oltp<{ id: bigint }>`SELECT id FROM products WHERE active ORDER BY id LIMIT 1`
      const [order] = yield* placeOrders(1)
      const [item] = yield* oltp<{ id: bigint }>`
        INSERT INTO order_items (order_id, product_id, quantity, unit_price)
        SELECT ${order}, id, 2, price FROM products WHERE id = ${product!.id} RETURNING id`
      yield* drain
      const sold = (yield* factOf(item!.id))!
      yield* oltp`UPDATE products SET price = price + 1.25, name = name || ' (new recipe)' WHERE id = ${product!.id}`
      yield* oltp`UPDATE products SET updated_at = now() WHERE id = ${product!.id}` // not a new version
      const [later] = yield* placeOrders(1)
      // Sold after the change: the version valid at order time is the new one.
      yield* oltp`UPDATE orders SET order_time = now() WHERE id = ${later}`
      const [laterItem] = yield* oltp<{ id: bigint }>`
        INSERT INTO order_items (order_id, product_id, quantity, unit_price)
        SELECT ${later}, id, 1, price FROM products WHERE id = ${product!.id} RETURNING id`
      yield* drain
      const versions = yield* olap<{
        id: string
        price: string
        is_current: boolean
        open: boolean
      }>`
        SELECT id::text, price::text, is_current, valid_to = 'infinity' AS open
        FROM dim_product WHERE product_id = ${product!.id} ORDER BY valid_from`
      assert.strictEqual(versions.length, 2)
      assert.deepStrictEqual(
        versions.map((v) => [v.is_current, v.open]),
        [
          [false, false],
          [true, true]
        ]
      )
      assert.strictEqual(Number(versions[1]!.price) - Number(versions[0]!.price), 1.25)
      assert.strictEqual((yield* factOf(item!.id))!.product_dim_id, versions[0]!.id)
      assert.strictEqual(sold.product_dim_id, versions[0]!.id)
      assert.strictEqual((yield* factOf(laterItem!.id))!.product_dim_id, versions[1]!.id)
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a sale dated before a price change but loaded after it gets the version valid at its order time", () =>
    Effect.gen(function* () {
      yield* seedShop
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const [product] = yield* oltp<{ id: bigint }>`SELECT id FROM products WHERE active ORDER BY id LIMIT 1`
      yield* drain
      // Two price changes, each loaded on its own: three versions, v1 → v2 → v3 (current).
      for (let i = 0; i < 2; i++) {
        yield* oltp`UPDATE products SET price = price + 1 WHERE id = ${product!.id}`
        yield* drain
      }
      const versions = yield* olap<{ id: string; valid_from: string; price: string }>`
        SELECT id::text, valid_from::text, price::text FROM dim_product WHERE product_id = ${product!.id} ORDER BY valid_from`
      assert.strictEqual(versions.length, 3)
      const [v1, v2, v3] = versions as [(typeof versions)[0], (typeof versions)[0], (typeof versions)[0]]
      // Sales captured only now, after every change has loaded, dated in each version's span.
      const sale = (orderTime: Fragment, price: string) =>
        Effect.gen(function* () {
          const [item] = yield* oltp<{ id: bigint }>`
            WITH o AS (
              INSERT INTO orders (customer_id, employee_id, order_time)
              SELECT (SELECT min(id) FROM customers), (SELECT min(id) FROM employees), ${orderTime}
              RETURNING id
            )
            INSERT INTO order_items (order_id, product_id, quantity, unit_price)
            SELECT o.id, ${product!.id}, 1, ${price}::numeric FROM o RETURNING id`
          return item!.id
        })
      const beforeAny = yield* sale(oltp`${v2.valid_from}::timestamptz - interval '1 hour'`, v1.price)
      const between = yield* sale(
        oltp`${v2.valid_from}::timestamptz + (${v3.valid_from}::timestamptz - ${v2.valid_from}::timestamptz) / 2`,
        v2.price
      )
      const afterAll = yield* sale(oltp`${v3.valid_from}::timestamptz + interval '1 second'`, v3.price)
      yield* drain
      assert.strictEqual((yield* factOf(beforeAny))!.product_dim_id, v1.id, "dated before the first change: v1")
      assert.strictEqual((yield* factOf(between))!.product_dim_id, v2.id, "dated between the changes: v2, not current")
      assert.strictEqual((yield* factOf(afterAll))!.product_dim_id, v3.id, "dated after both: v3")
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("customer and employee changes update their dimension rows in place", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(5)
      yield* drain
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const [c] = yield* oltp<{ id: bigint }>`SELECT customer_id AS id FROM orders ORDER BY id LIMIT 1`
      const [e] = yield* oltp<{ id: bigint }>`SELECT employee_id AS id FROM orders ORDER BY id LIMIT 1`
      const dimIds = olap<{ c: string; e: string }>`
        SELECT (SELECT id::text FROM dim_customer WHERE customer_id = ${c!.id}) AS c,
               (SELECT id::text FROM dim_employee WHERE employee_id = ${e!.id}) AS e`
      const [ids] = yield* dimIds
      yield* oltp`UPDATE customers SET name = 'Renamed Regular', email = 'renamed@example.com' WHERE id = ${c!.id}`
      yield* oltp`UPDATE employees SET active = false, role = 'manager' WHERE id = ${e!.id}`
      yield* drain
      assert.deepStrictEqual((yield* dimIds)[0], ids)
      const [row] = yield* olap<{ name: string; email: string; active: boolean; role: string }>`
        SELECT c.name, c.email, e.active, e.role FROM dim_customer c, dim_employee e
        WHERE c.customer_id = ${c!.id} AND e.employee_id = ${e!.id}`
      assert.deepStrictEqual(row, {
        name: "Renamed Regular",
        email: "renamed@example.com",
        active: false,
        role: "manager"
      })
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("stock movements make a daily inventory snapshot with a running on-hand total", () =>
    Effect.gen(function* () {
      yield* seedShop
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const [product] = yield* oltp<{ id: bigint }>`SELECT id FROM products WHERE active ORDER BY id LIMIT 1`
      yield* oltp`INSERT INTO stock_movements (product_id, kind, quantity, moved_at) VALUES
        (${product!.id}, 'received', 100, '2026-03-01 09:00Z'),
        (${product!.id}, 'wasted', 3, '2026-03-01 18:00Z'),
        (${product!.id}, 'received', 20, '2026-03-02 09:00Z'),
        (${product!.id}, 'sold', 5, '2026-03-02 10:00Z')`
      const [order] = yield* oltp<{ id: bigint }>`
        INSERT INTO orders (customer_id, employee_id, order_time)
        SELECT (SELECT min(id) FROM customers), (SELECT min(id) FROM employees), '2026-03-02 12:00Z' RETURNING id`
      yield* oltp`INSERT INTO order_items (order_id, product_id, quantity, unit_price)
                  SELECT ${order!.id}, id, 7, price FROM products WHERE id = ${product!.id}`
      yield* drain
      const days = () =>
        olap<{ date_id: number; sold: number; received: number; wasted: number; on_hand: number }>`
          SELECT date_id, quantity_sold AS sold, quantity_received AS received, quantity_wasted AS wasted,
                 quantity_on_hand AS on_hand
          FROM fact_inventory WHERE product_id = ${product!.id} ORDER BY date_id`
      assert.deepStrictEqual(yield* days(), [
        { date_id: 20260301, sold: 0, received: 100, wasted: 3, on_hand: 97 },
        { date_id: 20260302, sold: 12, received: 20, wasted: 0, on_hand: 105 }
      ])
      // A correction to the first day's delivery moves every later day's on-hand.
      yield* oltp`UPDATE stock_movements SET quantity = 90 WHERE product_id = ${product!.id} AND quantity = 100`
      yield* oltp`UPDATE orders SET status = 'cancelled' WHERE id = ${order!.id}`
      yield* drain
      assert.deepStrictEqual(yield* days(), [
        { date_id: 20260301, sold: 0, received: 90, wasted: 3, on_hand: 87 },
        { date_id: 20260302, sold: 5, received: 20, wasted: 0, on_hand: 102 }
      ])
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )
})

describe("cdc dead letters", () => {
  it.effect("a change that can never load is dead-lettered with its reason; the batch goes on", () =>
    Effect.gen(function* () {
      yield* seedShop
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const good = yield* placeOrders(3)
      // An order dated outside the calendar dimension, with an item.
      const [bad] = yield* oltp<{ id: bigint }>`
        INSERT INTO orders (customer_id, employee_id, order_time)
        SELECT min(id), (SELECT min(id) FROM employees), '2045-06-01 10:00Z' FROM customers RETURNING id`
      const [badItem] = yield* oltp<{ id: bigint }>`
        INSERT INTO order_items (order_id, product_id, quantity, unit_price)
        SELECT ${bad!.id}, id, 1, price FROM products ORDER BY id LIMIT 1 RETURNING id`
      // A change no schema accepts.
      const [garbage] = yield* oltp<{ id: bigint }>`
        INSERT INTO change_log (table_name, op, row_after) VALUES ('orders', 'INSERT', '{"id": 999999, "status": "lost"}')
        RETURNING id`
      const more = yield* placeOrders(2)
      yield* drain
      const dead = yield* olap<{ change_id: string; table_name: string; reason: string }>`
        SELECT item_key AS change_id, table_name, reason FROM pipeline_dead_letters
        WHERE step = 'load_star' ORDER BY item_key::int8`
      assert.strictEqual(dead.length, 3)
      assert.match(dead.find((d) => d.table_name === "orders" && d.reason.includes("dim_date"))!.reason, /2045-06-01/)
      assert.match(
        dead.find((d) => d.table_name === "order_items")!.reason,
        new RegExp(`order ${bad!.id} is not in the warehouse`)
      )
      assert.match(
        dead.find((d) => d.change_id === String(garbage!.id))!.reason,
        /orders row does not match its schema/
      )
      assert.isUndefined(yield* factOf(badItem!.id))
      const [loaded] = yield* olap<{ n: number }>`
        SELECT count(DISTINCT order_id)::int AS n FROM fact_sales WHERE order_id = ANY(${[...good, ...more]}::int8[])`
      assert.strictEqual(loaded!.n, good.length + more.length)
      // Reconcile sees the order that never reached the warehouse.
      const r = yield* reconcile()
      assert.isAbove(r.differences, 0)
    }).pipe(Effect.provide(TestDatabases))
  )
})

describe("change capture", () => {
  it.effect("every write is logged with its op, rows and xid; cdc_orders carries order_id", () =>
    Effect.gen(function* () {
      yield* seedShop
      const oltp = yield* OltpSql
      const [order] = yield* placeOrders(1)
      yield* oltp`UPDATE orders SET status = 'cancelled' WHERE id = ${order}`
      yield* oltp`DELETE FROM payments WHERE order_id = ${order}`
      const ops = yield* oltp<{ table_name: string; op: string; has_after: boolean; has_before: boolean }>`
        SELECT DISTINCT table_name, op, row_after IS NOT NULL AS has_after, row_before IS NOT NULL AS has_before
        FROM change_log
        WHERE coalesce(row_after, row_before) ->> 'id' = ${String(order)} AND table_name = 'orders'
           OR coalesce(row_after, row_before) ->> 'order_id' = ${String(order)}
        ORDER BY 1, 2`
      assert.deepStrictEqual(
        ops.map((o) => `${o.table_name} ${o.op} ${o.has_after} ${o.has_before}`),
        [
          "order_items INSERT true false",
          "order_items UPDATE true true",
          "orders INSERT true false",
          "orders UPDATE true true",
          "payments DELETE false true",
          "payments INSERT true false"
        ]
      )
      const cdc = yield* oltp<{ operation: string; order_id: string; xid_ok: boolean }>`
        SELECT operation, payload ->> 'order_id' AS order_id, xid::text::bigint > 0 AS xid_ok
        FROM cdc_orders WHERE (payload ->> 'order_id')::bigint = ${order} ORDER BY id`
      assert.deepStrictEqual(
        cdc.map((c) => [c.operation, c.order_id, c.xid_ok]),
        [
          ["INSERT", String(order), true],
          ["UPDATE", String(order), true]
        ]
      )
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a committed write notifies the change channel while a runner has armed it, and only then", () =>
    Effect.gen(function* () {
      const oltp = yield* OltpSql
      const queue = yield* oltp.listen(CHANGES_CHANNEL)
      // Disarmed (the default until a runner waits): a write notifies nobody, so
      // the first notification to arrive is the marker sent after it.
      yield* seedShop
      yield* oltp.notify(CHANGES_CHANNEL, "marker")
      assert.strictEqual((yield* Queue.take(queue)).payload, "marker")
      yield* oltp`UPDATE change_log_wakeup SET armed = true`
      yield* oltp`UPDATE customers SET name = name || ' Jr' WHERE id = (SELECT min(id) FROM customers)`
      const note = yield* Queue.take(queue)
      assert.strictEqual(note.channel, CHANGES_CHANNEL)
      assert.strictEqual(note.payload, "")
    }).pipe(Effect.scoped, Effect.provide(TestDatabases))
  )
})
