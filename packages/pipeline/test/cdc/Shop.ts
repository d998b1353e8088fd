import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { assert } from "@effect/vitest"
import { Deferred, Effect, Fiber, Queue } from "effect"
import { reconcile } from "../../src/Reconcile.ts"

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

type Task = { readonly effect: Effect.Effect<unknown, unknown>; readonly done: Deferred.Deferred<unknown, unknown> }

/**
 * An OLTP transaction kept open across the test: `run` executes writes in it
 * (in order, whenever the test says), `commit` ends it. Its xid is taken at
 * its first write, so it can be older than transactions that commit first.
 */
export const openWriter = Effect.gen(function* () {
  const sql = yield* OltpSql
  const tasks = yield* Queue.unbounded<Task | "commit">()
  const fiber = yield* sql
    .withTransaction(
      Effect.gen(function* () {
        while (true) {
          const task = yield* Queue.take(tasks)
          if (task === "commit") return
          yield* Deferred.done(task.done, yield* Effect.exit(task.effect))
        }
      })
    )
    .pipe(Effect.forkChild)
  const run = <A, E>(effect: Effect.Effect<A, E, OltpSql>) =>
    Effect.gen(function* () {
      const done = yield* Deferred.make<unknown, unknown>()
      yield* Queue.offer(tasks, { effect: Effect.provideService(effect, OltpSql, sql), done })
      return (yield* Deferred.await(done)) as A
    }).pipe(Effect.orDie)
  const commit = Queue.offer(tasks, "commit").pipe(Effect.andThen(Fiber.join(fiber)), Effect.orDie)
  return { run, commit }
})

/** `write` in a transaction that stays open until `commit`: a writer that started first and commits last. */
export const holdOpen = <A, E>(write: Effect.Effect<A, E, OltpSql>) =>
  Effect.gen(function* () {
    const writer = yield* openWriter
    return { value: yield* writer.run(write), commit: writer.commit }
  })

/** A digest of every warehouse table the pipeline writes: equal digests, equal contents. */
export const warehouseDigest = Effect.gen(function* () {
  const sql = yield* OlapSql
  const tables = [
    "dim_customer",
    "dim_employee",
    "dim_product",
    "raw_orders",
    "raw_order_items",
    "raw_payments",
    "raw_stock_movements",
    "fact_sales",
    "fact_payments",
    "fact_inventory",
    "pipeline_dead_letters"
  ]
  const digests: Record<string, string> = {}
  for (const table of tables) {
    const [row] = yield* sql<{ digest: string | null }>`
      SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest FROM ${sql(table)} t`
    digests[table] = row!.digest ?? "empty"
  }
  return digests
})

/** `reconcile` finds OLTP and the warehouse equal in every figure (`context` says which case, in a property). */
export const assertReconciled = (context?: string) =>
  Effect.gen(function* () {
    const r = yield* reconcile()
    assert.deepStrictEqual(
      r.checks.filter((c) => !c.ok),
      [],
      context
    )
  })
