import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { runOnce } from "../../src/pipelines/RunCdcToStar.ts"
import { assertReconciled, placeOrders, seedShop } from "./Shop.ts"

/**
 * The load keeps `fact_inventory` by deltas (each statement's after minus
 * before) and picks a sale's product version by a range join. Both must equal
 * a recount from scratch, whatever the mix of changes and however they are
 * cut into batches.
 */

const Op = fc.oneof(
  fc.record({ op: fc.constant("orders" as const), count: fc.integer({ min: 1, max: 4 }), day: fc.nat(4) }),
  fc.record({ op: fc.constant("quantity" as const), pick: fc.nat(), quantity: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant("swapProduct" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("dropItem" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("status" as const), pick: fc.nat(), status: fc.constantFrom("cancelled", "completed") }),
  fc.record({ op: fc.constant("moveOrder" as const), pick: fc.nat(), day: fc.nat(4) }),
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant("movement" as const),
      pick: fc.nat(),
      kind: fc.constantFrom("received", "wasted", "sold", "orderSold"),
      quantity: fc.integer({ min: 1, max: 40 }),
      day: fc.nat(4)
    })
  },
  fc.record({
    op: fc.constant("editMovement" as const),
    pick: fc.nat(),
    quantity: fc.integer({ min: 1, max: 40 }),
    day: fc.nat(4),
    otherProduct: fc.boolean()
  }),
  fc.record({ op: fc.constant("dropMovement" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("price" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("load" as const), limit: fc.integer({ min: 1, max: 40 }) })
)
type Op = typeof Op extends fc.Arbitrary<infer A> ? A : never

// Past days only: a product version made now starts after every sale, so the expected version of a sale never moves.
const dayOf = (day: number) => `2026-03-0${day + 1} 12:00Z`

const apply = (op: Op) =>
  Effect.gen(function* () {
    const sql = yield* OltpSql
    const pick = <A>(rows: ReadonlyArray<A>, n: number) => (rows.length === 0 ? undefined : rows[n % rows.length])
    const items = () =>
      sql<{ id: string; order_id: string }>`SELECT id::text, order_id::text FROM order_items ORDER BY id`
    const orders = () => sql<{ id: string }>`SELECT id::text FROM orders ORDER BY id`
    const movements = () => sql<{ id: string }>`SELECT id::text FROM stock_movements ORDER BY id`
    const products = () => sql<{ id: string }>`SELECT id::text FROM products WHERE active ORDER BY id`
    switch (op.op) {
      case "orders":
        return yield* placeOrders(op.count, { at: dayOf(op.day), salt: op.count * 13 + op.day })
      case "quantity": {
        const item = pick(yield* items(), op.pick)
        if (item) yield* sql`UPDATE order_items SET quantity = ${op.quantity} WHERE id = ${item.id}::int8`
        return
      }
      case "swapProduct": {
        const item = pick(yield* items(), op.pick)
        const product = pick(yield* products(), op.pick + 1)
        if (item && product)
          yield* sql`UPDATE order_items SET product_id = ${product.id}::int8 WHERE id = ${item.id}::int8`
        return
      }
      case "dropItem": {
        const item = pick(yield* items(), op.pick)
        if (item) yield* sql`DELETE FROM order_items WHERE id = ${item.id}::int8`
        return
      }
      case "status": {
        const order = pick(yield* orders(), op.pick)
        if (order) yield* sql`UPDATE orders SET status = ${op.status} WHERE id = ${order.id}::int8`
        return
      }
      case "moveOrder": {
        const order = pick(yield* orders(), op.pick)
        if (order) yield* sql`UPDATE orders SET order_time = ${dayOf(op.day)}::timestamptz WHERE id = ${order.id}::int8`
        return
      }
      case "movement": {
        const product = pick(yield* products(), op.pick)
        const order = op.kind === "orderSold" ? pick(yield* orders(), op.pick) : undefined
        if (!product || (op.kind === "orderSold" && !order)) return
        yield* sql`INSERT INTO stock_movements (product_id, kind, quantity, order_id, moved_at)
          VALUES (${product.id}::int8, ${op.kind === "orderSold" ? "sold" : op.kind}, ${op.quantity},
                  ${order?.id ?? null}::int8, ${dayOf(op.day)}::timestamptz)`
        return
      }
      case "editMovement": {
        const movement = pick(yield* movements(), op.pick)
        const product = pick(yield* products(), op.pick + 3)
        if (!movement || !product) return
        yield* sql`UPDATE stock_movements SET quantity = ${op.quantity}, moved_at = ${dayOf(op.day)}::timestamptz,
            product_id = CASE WHEN ${op.otherProduct} THEN ${product.id}::int8 ELSE product_id END
          WHERE id = ${movement.id}::int8`
        return
      }
      case "dropMovement": {
        const movement = pick(yield* movements(), op.pick)
        if (movement) yield* sql`DELETE FROM stock_movements WHERE id = ${movement.id}::int8`
        return
      }
      case "price": {
        const product = pick(yield* products(), op.pick)
        if (product) yield* sql`UPDATE products SET price = price + 0.10 WHERE id = ${product.id}::int8`
        return
      }
      case "load":
        return yield* runOnce({ limit: op.limit })
    }
  })

/** `fact_inventory` recounted from the loaded facts and movements (the definition the deltas must keep). */
const recount = (sql: OlapSql["Service"]) =>
  sql<Record<string, string>>`
    WITH keys AS (
      SELECT product_id, date_id FROM fact_sales UNION SELECT product_id, date_id FROM raw_stock_movements
    ),
    agg AS (
      SELECT k.product_id, k.date_id,
        coalesce((SELECT sum(f.quantity) FROM fact_sales f WHERE (f.product_id, f.date_id) = (k.product_id, k.date_id)), 0)
          + coalesce((SELECT sum(m.quantity) FROM raw_stock_movements m WHERE (m.product_id, m.date_id) = (k.product_id, k.date_id)
                      AND m.kind = 'sold' AND m.order_id IS NULL), 0) AS sold,
        coalesce((SELECT sum(m.quantity) FROM raw_stock_movements m WHERE (m.product_id, m.date_id) = (k.product_id, k.date_id)
                  AND m.kind = 'received'), 0) AS received,
        coalesce((SELECT sum(m.quantity) FROM raw_stock_movements m WHERE (m.product_id, m.date_id) = (k.product_id, k.date_id)
                  AND m.kind = 'wasted'), 0) AS wasted
      FROM keys k
    )
    SELECT product_id::text, date_id::text, sold::text, received::text, wasted::text,
           sum(received - sold - wasted) OVER (PARTITION BY product_id ORDER BY date_id)::text AS on_hand
    FROM agg WHERE sold <> 0 OR received <> 0 OR wasted <> 0
    ORDER BY product_id, date_id`

const held = (sql: OlapSql["Service"]) =>
  sql<Record<string, string>>`
    SELECT product_id::text, date_id::text, quantity_sold::text AS sold, quantity_received::text AS received,
           quantity_wasted::text AS wasted, quantity_on_hand::text AS on_hand
    FROM fact_inventory ORDER BY product_id, date_id`

/** Sales whose product version is not the latest starting at or before the sale (or, before any, the first). */
const wrongVersions = (sql: OlapSql["Service"]) =>
  sql<{ order_item_id: string }>`
    SELECT f.order_item_id::text FROM fact_sales f
    WHERE f.product_dim_id IS DISTINCT FROM coalesce(
      (SELECT p.id FROM dim_product p WHERE p.product_id = f.product_id AND p.valid_from <= f.order_time
       ORDER BY p.valid_from DESC LIMIT 1),
      (SELECT p.id FROM dim_product p WHERE p.product_id = f.product_id ORDER BY p.valid_from LIMIT 1))`

describe("cdc inventory and product versions", () => {
  it.effect(
    "property: after any mix of order, item and stock changes, cut into any batches, fact_inventory equals a recount",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const olap = yield* OlapSql
        const cases = fc.sample(fc.array(Op, { minLength: 5, maxLength: 25 }), { numRuns: 16, seed: 20261125 })
        for (const [n, ops] of cases.entries()) {
          for (const op of ops) yield* apply(op)
          while ((yield* runOnce({ limit: 1000 })).more) {}
          const context = `case ${n}: ${JSON.stringify(ops.map((o) => o.op))}`
          assert.deepStrictEqual(yield* held(olap), yield* recount(olap), context)
          assert.deepStrictEqual(yield* wrongVersions(olap), [], context)
          yield* assertReconciled(context)
        }
        // The cases did reach every kind of row (a property over empty tables proves nothing).
        const [counts] = yield* olap<{ facts: number; movements: number; days: number; versions: number }>`
          SELECT (SELECT count(*)::int FROM fact_sales) AS facts,
                 (SELECT count(*)::int FROM raw_stock_movements) AS movements,
                 (SELECT count(*)::int FROM fact_inventory) AS days,
                 (SELECT count(*)::int FROM dim_product) - (SELECT count(DISTINCT product_id)::int FROM dim_product) AS versions`
        assert.isAbove(counts!.facts, 10)
        assert.isAbove(counts!.movements, 5)
        assert.isAbove(counts!.days, 5)
        assert.isAbove(counts!.versions, 0)
      }).pipe(Effect.provide(TestDatabases)),
    { timeout: 120_000 }
  )
})
