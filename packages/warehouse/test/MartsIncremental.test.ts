import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { runGraph } from "../src/Builder.ts"
import { assertEqualsFullRebuild, buildAll, modes, quiet, rows, snapshot } from "./marts.ts"

layer(TestDatabases)("the marts built incrementally, on a hand-computed shop", (it) => {
  it.effect("every mart after an incremental run on new and late sales equals a full rebuild", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      // New sales the next day, a late one two days back, an item removed, and a new stock snapshot.
      yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
          employee_dim_id, product_id, quantity, price, total, order_time, order_status) VALUES
        (20, 20, 20260306, 9, 3, 2, 2, 1, 2, 3.50, 7.00, '2026-03-06 09:05:00+00', 'completed'),
        (21, 20, 20260306, 9, 3, 3, 2, 2, 1, 2.50, 2.50, '2026-03-06 09:05:00+00', 'completed'),
        (22, 21, 20260304, 15, 1, 3, 1, 2, 4, 2.50, 10.00, '2026-03-04 15:45:00+00', 'completed')`
      yield* sql`DELETE FROM fact_sales WHERE order_item_id = 5`
      yield* sql`INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method, payment_status, date_id, recorded_at)
        VALUES (20, 20, 3, 9.50, 'mobile', 'paid', 20260306, '2026-03-06 09:06:00+00')`
      yield* sql`INSERT INTO fact_inventory (product_id, product_dim_id, date_id, quantity_sold, quantity_received, quantity_wasted, quantity_on_hand)
        VALUES (1, 2, 20260306, 2, 0, 0, 11)`
      const report = yield* runGraph(sql, graph, graph.order, { incremental: true, onProgress: quiet })
      assert.strictEqual(report.built.find((b) => b.model === "mart_inventory_daily")!.mode, "incremental")
      assert.strictEqual(report.built.find((b) => b.model === "stg_sales")!.mode, "unchanged")
      yield* assertEqualsFullRebuild(graph)
    })
  )

  it.effect("--since still widens a run: a correction older than the lookback, told its day, is exact", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      // Two months back: outside every model's three-day lookback.
      yield* sql`UPDATE fact_sales SET quantity = 5, total = 12.50 WHERE order_item_id = 7`
      yield* sql`UPDATE fact_payments SET payment_amount = 12.50 WHERE payment_id = 6`
      yield* runGraph(sql, graph, graph.order, { incremental: true, since: 20260105, onProgress: quiet })
      const revenue = yield* rows(`SELECT revenue::text FROM marts.mart_daily_sales WHERE date = '2026-01-05'`)
      assert.deepStrictEqual(revenue, [{ revenue: "12.50" }])
      yield* assertEqualsFullRebuild(graph)
      const error = yield* Effect.flip(runGraph(sql, graph, [], { since: 2026, onProgress: quiet }))
      assert.strictEqual(error.reason._tag, "BadSince")
      assert.match(error.message, /since 2026 is not a yyyymmdd date id/)
    })
  )

  it.effect(
    "a default incremental run reflects a late-arriving fact and a deleted one, and running it twice equals once",
    () =>
      Effect.gen(function* () {
        const { sql, graph } = yield* buildAll
        // A sale four months late (far beyond the old three-day lookback), and the only sale and payment of
        // 2026-01-05 deleted: that day must vanish from the per-day models, though no slice row is left for it.
        yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
          employee_dim_id, product_id, quantity, price, total, order_time, order_status) VALUES
        (30, 30, 20251104, 16, 2, 3, 2, 2, 3, 2.50, 7.50, '2025-11-04 16:20:00+00', 'completed')`
        yield* sql`DELETE FROM fact_sales WHERE order_item_id = 7`
        yield* sql`DELETE FROM fact_payments WHERE payment_id = 6`
        const report = yield* runGraph(sql, graph, graph.order, { incremental: true, onProgress: quiet })
        assert.strictEqual(report.claimed, 3) // fact_sales 2025-11-04 and 2026-01-05, fact_payments 2026-01-05
        assert.deepStrictEqual(
          [modes(report).int_daily_product_sales, modes(report).int_daily_payments, modes(report).mart_inventory_daily],
          ["incremental", "incremental", "unchanged"]
        )
        assert.deepStrictEqual(
          yield* rows(`SELECT date_id, product_id::int, units FROM intermediate.int_daily_product_sales
          WHERE date_id IN (20251104, 20260105) ORDER BY date_id`),
          [{ date_id: 20251104, product_id: 2, units: 3 }]
        )
        assert.deepStrictEqual(
          yield* rows(`SELECT date_id FROM intermediate.int_daily_payments WHERE date_id = 20260105`),
          []
        )
        const once = yield* snapshot(graph)
        // Nothing changed since: the incremental models are left alone and nothing moves.
        const again = yield* runGraph(sql, graph, graph.order, { incremental: true, onProgress: quiet })
        assert.strictEqual(again.claimed, 0)
        for (const name of [
          "int_customer_daily",
          "int_customer_monthly",
          "int_sales_hourly",
          "mart_hourly_anomalies"
        ]) {
          assert.strictEqual(modes(again)[name], "unchanged", name)
        }
        assert.deepStrictEqual(yield* snapshot(graph), once)
        yield* assertEqualsFullRebuild(graph)
      })
  )

  it.effect("property: after any sequence of inserts, updates and deletes on any day, incremental equals full", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      const change = fc.record({
        op: fc.constantFrom("insert", "insert", "update", "delete"),
        day: fc.integer({ min: 0, max: 150 }),
        hour: fc.integer({ min: 7, max: 19 }),
        quantity: fc.integer({ min: 1, max: 4 }),
        pick: fc.nat()
      })
      const cases = fc.sample(fc.array(fc.array(change, { maxLength: 5 }), { minLength: 1, maxLength: 3 }), {
        numRuns: 4,
        seed: 20261125
      })
      let id = 1000
      for (const batches of cases) {
        for (const batch of batches) {
          for (const c of batch) {
            const items = yield* sql<{ id: number }>`SELECT order_item_id::int AS id FROM fact_sales ORDER BY 1`
            const target = items[c.pick % items.length]!.id
            if (c.op === "insert") {
              id++
              yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id,
                  product_dim_id, employee_dim_id, product_id, quantity, price, total, order_time, order_status)
                SELECT ${id}, ${id}, to_char(t, 'YYYYMMDD')::int, ${c.hour}, 1 + ${c.pick} % 3, 3, 1 + ${c.pick} % 2, 2,
                       ${c.quantity}, 2.50, ${c.quantity} * 2.50, t, 'completed'
                FROM (SELECT timestamptz '2025-11-01 00:00:00+00' + make_interval(days => ${c.day}, hours => ${c.hour}) AS t) x`
            } else if (c.op === "update" && items.length > 0) {
              yield* sql`UPDATE fact_sales SET quantity = ${c.quantity}, total = ${c.quantity} * price,
                  date_id = to_char(order_time + make_interval(days => ${c.day % 3}), 'YYYYMMDD')::int
                WHERE order_item_id = ${target}`
            } else if (items.length > 1) {
              yield* sql`DELETE FROM fact_sales WHERE order_item_id = ${target}`
            }
          }
          yield* runGraph(sql, graph, graph.order, { incremental: true, onProgress: quiet })
        }
        yield* assertEqualsFullRebuild(graph)
      }
    })
  )

  it.effect("a changed-only run (the runner's) builds the models reading what changed, and not the others", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      yield* sql`UPDATE fact_payments SET payment_method = 'mobile' WHERE payment_id = 2`
      const report = yield* runGraph(sql, graph, graph.order, { incremental: true, changed: true, onProgress: quiet })
      const built = report.built.filter((b) => b.mode !== "unchanged").map((b) => b.model)
      assert.deepStrictEqual(built, ["int_daily_payments", "mart_payment_mix"])
      assert.deepStrictEqual(
        yield* rows(`SELECT payment_method, payments FROM marts.mart_payment_mix WHERE date_id = 20260302 ORDER BY 1`),
        [
          { payment_method: "card", payments: 1 },
          { payment_method: "mobile", payments: 1 }
        ]
      )
      const idle = yield* runGraph(sql, graph, graph.order, { incremental: true, changed: true, onProgress: quiet })
      assert.deepStrictEqual(
        idle.built.filter((b) => b.mode !== "unchanged").map((b) => b.model),
        []
      )
    })
  )

  it.effect("a model that fails to publish keeps its changed days, and the next run rebuilds them", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* buildAll
      const pending = sql<{ model: string; days: number }>`
        SELECT model, count(DISTINCT date_id)::int AS days FROM warehouse_model_pending GROUP BY model ORDER BY model`
      // A payment method mart_payment_mix's accepted_values test refuses.
      yield* sql`INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method,
          payment_status, date_id, recorded_at)
        VALUES (30, 30, 1, 4.00, 'bitcoin', 'paid', 20260306, '2026-03-06 10:00:00+00')`
      const failed = yield* Effect.flip(
        runGraph(sql, graph, graph.order, { incremental: true, changed: true, onProgress: quiet })
      )
      assert.match(failed.message, /mart_payment_mix: not published, a test failed/)
      // int_daily_payments published and consumed its day; mart_payment_mix kept its own.
      assert.deepStrictEqual(yield* pending, [{ model: "mart_payment_mix", days: 1 }])
      yield* sql`UPDATE fact_payments SET payment_method = 'card' WHERE payment_id = 30`
      const report = yield* runGraph(sql, graph, graph.order, { incremental: true, changed: true, onProgress: quiet })
      assert.deepStrictEqual(
        report.built.filter((b) => b.mode !== "unchanged").map((b) => [b.model, b.consumed]),
        [
          ["int_daily_payments", 1],
          ["mart_payment_mix", 1]
        ]
      )
      assert.deepStrictEqual(yield* pending, [])
      assert.deepStrictEqual(
        yield* rows(`SELECT payment_method, amount::text FROM marts.mart_payment_mix WHERE date_id = 20260306`),
        [{ payment_method: "card", amount: "4.00" }]
      )
    })
  )
})
