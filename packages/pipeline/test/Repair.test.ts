import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Schedule } from "effect"
import { drain } from "../src/pipelines/RunCdcToStar.ts"
import { reconcile } from "../src/Reconcile.ts"
import { locate } from "../src/repair/Compare.ts"
import { repair } from "../src/repair/Repair.ts"
import { assertReconciled, placeOrders, receiveStock, seedShop } from "./cdc/Shop.ts"

/**
 * The warehouse by natural keys (surrogate ids and load times left out): what
 * a load from scratch gives for the same OLTP rows, whatever order it wrote in.
 */
const contents = Effect.gen(function* () {
  const sql = yield* OlapSql
  const [row] = yield* sql<Record<string, string | null>>`
    SELECT
      (SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT concat_ws(',', f.order_item_id, f.order_id, f.date_id, f.time_of_day_id, c.customer_id, e.employee_id,
          p.product_id, p.valid_from, f.product_id, f.quantity, f.price, f.total, f.order_time, f.order_status) AS x
        FROM fact_sales f JOIN dim_customer c ON c.id = f.customer_dim_id JOIN dim_employee e ON e.id = f.employee_dim_id
        JOIN dim_product p ON p.id = f.product_dim_id) s) AS fact_sales,
      (SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT concat_ws(',', f.payment_id, f.order_id, c.customer_id, f.payment_amount, f.payment_method, f.payment_status,
          f.date_id, f.recorded_at) AS x
        FROM fact_payments f JOIN dim_customer c ON c.id = f.customer_dim_id) s) AS fact_payments,
      (SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
        SELECT concat_ws(',', f.product_id, p.valid_from, f.date_id, f.quantity_sold, f.quantity_received, f.quantity_wasted,
          f.quantity_on_hand) AS x
        FROM fact_inventory f JOIN dim_product p ON p.id = f.product_dim_id) s) AS fact_inventory,
      (SELECT md5(string_agg(concat_ws(',', customer_id, name, email, updated_at, deleted_at), '|' ORDER BY customer_id)) FROM dim_customer) AS dim_customer,
      (SELECT md5(string_agg(concat_ws(',', employee_id, name, role, active, updated_at, deleted_at), '|' ORDER BY employee_id)) FROM dim_employee) AS dim_employee,
      (SELECT md5(string_agg(concat_ws(',', product_id, name, price, category, size, active, valid_from, valid_to, is_current), '|' ORDER BY product_id, valid_from)) FROM dim_product) AS dim_product,
      (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM raw_orders t) AS raw_orders,
      (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM raw_order_items t) AS raw_order_items,
      (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM raw_payments t) AS raw_payments,
      (SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM raw_stock_movements t) AS raw_stock_movements`
  return row!
})

const watermark = Effect.gen(function* () {
  const sql = yield* OlapSql
  const [row] = yield* sql<{ snapshot: string; batches: string }>`
    SELECT snapshot, batches::text FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`
  return row!
})

/** A shop with sales over three days, stock received, all loaded by the pipeline. */
const loadedShop = Effect.gen(function* () {
  yield* seedShop
  yield* placeOrders(60)
  yield* receiveStock(1n, 40)
  yield* receiveStock(2n, 25)
  yield* drain()
  yield* assertReconciled("after the load")
  assert.deepStrictEqual(yield* locate(), { facts: [], dimensions: [] })
})

/** `brewlytics …` as a user runs it, against this test's databases. */
const cli = (args: ReadonlyArray<string>) => runCli(["reconcile", ...args])

describe("reconcile --repair", () => {
  it.effect("finds each hand-made difference by table and day, repairs it, and leaves what the pipeline loaded", () =>
    Effect.gen(function* () {
      yield* loadedShop
      const olap = yield* OlapSql
      const loaded = yield* contents
      const before = yield* watermark

      /** Tamper, check that it is found where it was made, repair, check that all is as loaded. */
      const roundTrip = (
        what: string,
        tamper: Effect.Effect<{ readonly table: string; readonly key: string }, unknown, OlapSql>
      ) =>
        Effect.gen(function* () {
          const made = yield* tamper
          const found = yield* locate()
          const names = [
            ...found.facts.map((f) => `${f.table} ${f.day}`),
            ...found.dimensions.map((d) => `${d.table} ${d.id}`)
          ]
          assert.include(names, `${made.table} ${made.key}`, what)
          assert.isAbove((yield* reconcile()).differences, 0, `${what}: reconcile notices`)
          yield* olap`DELETE FROM warehouse_changed_days`
          const done = yield* repair()
          if (made.table.startsWith("fact_")) {
            assert.include(done.days, made.key, what)
            const marked = yield* olap<{ day: string }>`
              SELECT DISTINCT to_char(to_date(date_id::text, 'YYYYMMDD'), 'YYYY-MM-DD') AS day FROM warehouse_changed_days
              WHERE source = ${made.table}`
            assert.include(
              marked.map((m) => m.day),
              made.key,
              `${what}: the day is marked changed`
            )
          }
          assert.deepStrictEqual(yield* locate(), { facts: [], dimensions: [] }, what)
          yield* assertReconciled(what)
          assert.deepStrictEqual(yield* contents, loaded, `${what}: as the pipeline loaded it`)
          assert.deepStrictEqual(yield* watermark, before, `${what}: the watermark did not move`)
        })

      const day = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
      yield* roundTrip(
        "a sale deleted",
        olap<{ table: string; key: string }>`
          DELETE FROM fact_sales WHERE order_item_id = (SELECT min(order_item_id) FROM fact_sales)
          RETURNING 'fact_sales' AS table, ${olap.literal(day("order_time"))} AS key`.pipe(Effect.map((r) => r[0]!))
      )
      yield* roundTrip(
        "a sale's money altered",
        olap<{ table: string; key: string }>`
          UPDATE fact_sales SET total = total + 0.01 WHERE order_item_id = (SELECT max(order_item_id) FROM fact_sales)
          RETURNING 'fact_sales' AS table, ${olap.literal(day("order_time"))} AS key`.pipe(Effect.map((r) => r[0]!))
      )
      yield* roundTrip(
        "a payment removed",
        olap<{ table: string; key: string }>`
          DELETE FROM fact_payments WHERE payment_id = (SELECT min(payment_id) FROM fact_payments)
          RETURNING 'fact_payments' AS table, ${olap.literal(day("recorded_at"))} AS key`.pipe(Effect.map((r) => r[0]!))
      )
      yield* roundTrip(
        "a day's stock count altered",
        olap<{ table: string; key: string }>`
          UPDATE fact_inventory SET quantity_received = quantity_received + 5, quantity_on_hand = quantity_on_hand + 5
          WHERE id = (SELECT min(id) FROM fact_inventory WHERE quantity_received > 0)
          RETURNING 'fact_inventory' AS table, to_char(to_date(date_id::text, 'YYYYMMDD'), 'YYYY-MM-DD') AS key`.pipe(
          Effect.map((r) => r[0]!)
        )
      )
      yield* roundTrip(
        "a customer's name altered",
        olap<{ table: string; key: string }>`
          UPDATE dim_customer SET name = name || ' (edited)' WHERE customer_id = (SELECT min(customer_id) FROM dim_customer)
          RETURNING 'dim_customer' AS table, customer_id::text AS key`.pipe(Effect.map((r) => r[0]!))
      )
      yield* roundTrip(
        "a product's price altered",
        olap<{ table: string; key: string }>`
          UPDATE dim_product SET price = price + 1 WHERE is_current AND product_id = (SELECT max(product_id) FROM dim_product)
          RETURNING 'dim_product' AS table, product_id::text AS key`.pipe(Effect.map((r) => r[0]!))
      )
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect(
    "after a history of batches (a price change, a cancelled order, a removed item), a day wiped by hand comes back as a load from scratch gives it",
    () =>
      Effect.gen(function* () {
        yield* loadedShop
        const oltp = yield* OltpSql
        yield* oltp`UPDATE products SET price = price + 1 WHERE id = (SELECT min(id) FROM products WHERE active)`
        yield* oltp`UPDATE orders SET status = 'cancelled' WHERE id = (SELECT min(id) FROM orders)`
        yield* oltp`DELETE FROM order_items WHERE id = (SELECT max(id) FROM order_items WHERE order_id IN (
        SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) > 1))`
        yield* drain()
        yield* placeOrders(30, { salt: 5 })
        yield* drain()
        yield* assertReconciled("after the history")
        const loaded = yield* contents
        const olap = yield* OlapSql
        const [wiped] = yield* olap<{ date_id: number }>`SELECT max(date_id) AS date_id FROM fact_sales`
        yield* olap`DELETE FROM fact_sales WHERE date_id = ${wiped!.date_id}`
        yield* olap`DELETE FROM fact_payments WHERE date_id = ${wiped!.date_id}`
        yield* olap`DELETE FROM fact_inventory WHERE date_id = ${wiped!.date_id}`
        yield* olap`UPDATE dim_product SET name = 'renamed by hand' WHERE is_current AND product_id = (SELECT min(product_id) FROM dim_product)`
        assert.isAbove((yield* locate()).facts.length, 0)
        yield* repair()
        yield* assertReconciled("after the repair")
        const repaired = yield* contents
        // The days not repaired stay as the batches loaded them; the wiped day's
        // product-day rows take the version current that day, as a load from scratch does.
        assert.deepStrictEqual({ ...repaired, fact_inventory: "" }, { ...loaded, fact_inventory: "" })
        // The warehouse emptied and the whole change log loaded again from scratch, in one go.
        yield* olap`TRUNCATE dim_customer, dim_employee, dim_product, raw_orders, raw_order_items, raw_payments,
          raw_stock_movements, fact_sales, fact_payments, fact_inventory, pipeline_dead_letters`
        yield* olap`UPDATE pipeline_watermark SET snapshot = '1:1:', batches = 0, events = 0 WHERE pipeline = 'cdc_to_star'`
        yield* drain()
        assert.deepStrictEqual(repaired, yield* contents, "as a load from scratch")
      }).pipe(Effect.provide(TestDatabases))
  )

  it.live("holds the watermark's row while it repairs (a batch meanwhile waits), and never moves it", () =>
    Effect.gen(function* () {
      yield* loadedShop
      const olap = yield* OlapSql
      yield* olap`DELETE FROM fact_sales WHERE order_item_id = (SELECT min(order_item_id) FROM fact_sales)`
      const before = yield* watermark
      // Another holder of the row, as a batch between its compare-and-set and its commit.
      const locked = yield* Deferred.make<void>()
      const release = yield* Deferred.make<void>()
      const holder = yield* olap
        .withTransaction(
          Effect.gen(function* () {
            yield* olap`SELECT 1 FROM pipeline_watermark WHERE pipeline = 'cdc_to_star' FOR UPDATE`
            yield* Deferred.succeed(locked, undefined)
            yield* Deferred.await(release)
          })
        )
        .pipe(Effect.forkChild)
      yield* Deferred.await(locked)
      const repairing = yield* repair().pipe(Effect.forkChild)
      const waiting = olap<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE wait_event_type = 'Lock' AND query LIKE '%FROM pipeline_watermark%FOR UPDATE%' AND pid <> pg_backend_pid()`
      yield* waiting.pipe(
        Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (rows) => rows[0]!.n > 0 }),
        Effect.timeout("20 seconds")
      )
      assert.isUndefined(repairing.pollUnsafe(), "the repair waits for the row")
      assert.isAbove((yield* locate()).facts.length, 0, "nothing repaired while it waits")
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const done = yield* Fiber.join(repairing)
      assert.isAbove(done.days.length, 0)
      yield* assertReconciled("after the repair")
      assert.deepStrictEqual(yield* watermark, before)
      yield* drain()
      yield* assertReconciled("a batch after the repair loads on top of it")
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("rebuilds only the days within --from..--to, and refuses while changes wait to load", () =>
    Effect.gen(function* () {
      yield* loadedShop
      const olap = yield* OlapSql
      const days = yield* olap<{ day: string }>`
        SELECT DISTINCT to_char(to_date(date_id::text, 'YYYYMMDD'), 'YYYY-MM-DD') AS day FROM fact_sales ORDER BY 1`
      assert.isAtLeast(days.length, 2)
      const [first, last] = [days[0]!.day, days[days.length - 1]!.day]
      yield* olap`
        DELETE FROM fact_sales WHERE to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') IN (${first}, ${last})
          AND order_item_id IN (SELECT min(order_item_id) FROM fact_sales GROUP BY date_id)`
      const done = yield* repair({ from: first, to: first })
      assert.deepStrictEqual(done.days, [first])
      const left = yield* locate()
      assert.deepStrictEqual([...new Set(left.facts.map((f) => f.day))], [last])

      // A change not loaded yet: the repair would apply it ahead of the pipeline.
      yield* placeOrders(3, { salt: 7 })
      const refused = yield* Effect.flip(repair())
      assert.strictEqual(refused._tag, "RepairRefused")
      assert.match(refused.message, /not loaded yet/)
      yield* drain()
      yield* repair()
      yield* assertReconciled("after the pipeline caught up and the rest was repaired")
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("brewlytics reconcile names the day and table and the command; --repair fixes them and exits 0", () =>
    Effect.gen(function* () {
      yield* loadedShop
      const olap = yield* OlapSql
      const [gone] = yield* olap<{ day: string }>`
        DELETE FROM fact_payments WHERE payment_id = (SELECT max(payment_id) FROM fact_payments)
        RETURNING to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`
      yield* olap`UPDATE dim_customer SET email = 'changed@example.com' WHERE customer_id = (SELECT max(customer_id) FROM dim_customer)`
      const found = yield* cli([])
      assert.notStrictEqual(found.code, 0, found.output)
      assert.include(found.output, `fact_payments: ${gone!.day}`)
      assert.match(found.output, /dim_customer: id \d+/)
      assert.include(found.output, `brewlytics reconcile --repair --from ${gone!.day} --to ${gone!.day}`)

      const repaired = yield* cli(["--repair", "--from", gone!.day, "--to", gone!.day])
      assert.strictEqual(repaired.code, 0, repaired.output)
      assert.match(repaired.output, /Repaired 1 day\(s\) of facts .* and 1 dimension row\(s\)/)
      assert.match(repaired.output, /agree on all \d+ figures and row for row/)
      const again = yield* cli([])
      assert.strictEqual(again.code, 0, again.output)

      const bad = yield* cli(["--repair", "--from", "2026-02-30"])
      assert.notStrictEqual(bad.code, 0)
      assert.match(bad.output, /--from.*YYYY-MM-DD/)
    }).pipe(Effect.provide(TestDatabases))
  )
})
