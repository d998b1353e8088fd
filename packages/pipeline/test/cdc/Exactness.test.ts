import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { lag } from "../../src/cdc/Cdc.ts"
import { extract, readBound, readWatermark } from "../../src/cdc/Extract.ts"
import { loadBatch } from "../../src/cdc/Load.ts"
import { transform } from "../../src/cdc/Transform.ts"
import { drain as drainAll, runOnce } from "../../src/pipelines/RunCdcToStar.ts"
import { assertReconciled, holdOpen, openWriter, placeOrders, seedShop, warehouseDigest } from "./Shop.ts"

const drain = drainAll({ limit: 500 })

const factOrders = Effect.gen(function* () {
  const olap = yield* OlapSql
  const rows = yield* olap<{ order_id: string }>`SELECT DISTINCT order_id::text FROM fact_sales`
  return new Set(rows.map((r) => r.order_id))
})

/** Drains what is left, then checks no sale was loaded twice and the warehouse equals OLTP. */
const drainAndCheckLoadedOnce = Effect.gen(function* () {
  yield* drain
  const olap = yield* OlapSql
  const [dupes] = yield* olap<{ n: number }>`
    SELECT (count(*) - count(DISTINCT order_item_id))::int AS n FROM fact_sales`
  assert.strictEqual(dupes!.n, 0)
  yield* assertReconciled()
})

describe("cdc exactness", () => {
  it.effect("a transaction that commits after a later one still arrives, exactly once", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* drain
      // The first writer takes the lower change ids and xid, and commits last.
      const first = yield* holdOpen(placeOrders(2, { salt: 1 }))
      const later = yield* placeOrders(3, { salt: 2 })
      yield* drain
      const loaded = yield* factOrders
      assert.deepStrictEqual([...loaded].sort(), later.map(String).sort())
      yield* first.commit
      // Reading by `id > last_seen` would skip these for ever.
      const report = yield* runOnce()
      assert.isAbove(report.events, 0)
      const after = yield* factOrders
      assert.deepStrictEqual([...after].sort(), [...later, ...first.value].map(String).sort())
      // And never again.
      const again = yield* runOnce()
      assert.strictEqual(again.events, 0)
      const bound = yield* readBound
      const batch = yield* extract({ from: yield* readWatermark(), to: bound, limit: 1000 })
      assert.strictEqual(batch.events.length, 0)
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a row's latest state follows change-log order, not transaction-id order", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* drain
      const oltp = yield* OltpSql
      const [product] = yield* oltp<{ id: bigint }>`SELECT id FROM products ORDER BY id LIMIT 1`
      // The older transaction takes its xid first …
      const older = yield* openWriter
      yield* older.run(oltp`UPDATE customers SET name = name || '.' WHERE id = (SELECT min(id) FROM customers)`)
      // … a younger one (higher xid) sets the price and commits …
      yield* oltp`UPDATE products SET price = 5.00 WHERE id = ${product!.id}`
      // … then the older one sets it again, and commits last: 6.00 is the price.
      yield* older.run(oltp`UPDATE products SET price = 6.00 WHERE id = ${product!.id}`)
      yield* older.commit
      const [xids] = yield* oltp<{ ordered: boolean }>`
        SELECT (array_agg(xid::text::bigint ORDER BY id))[1] > (array_agg(xid::text::bigint ORDER BY id))[2] AS ordered
        FROM change_log WHERE table_name = 'products' AND op = 'UPDATE'`
      assert.isTrue(xids!.ordered, "the later price change carries the lower xid")
      yield* drain
      const olap = yield* OlapSql
      const versions = yield* olap<{ price: string; is_current: boolean }>`
        SELECT price::text, is_current FROM dim_product WHERE product_id = ${product!.id} ORDER BY valid_from`
      assert.deepStrictEqual(versions.at(-1), { price: "6.00", is_current: true })
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("replaying a batch changes nothing: the compare-and-set refuses it, and forcing it is a no-op", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(50)
      const from = yield* readWatermark()
      const plan = transform(yield* extract({ from, to: yield* readBound, limit: 100_000 }))
      yield* loadBatch(plan)
      const loaded = yield* warehouseDigest
      const refused = yield* Effect.flip(loadBatch(plan))
      assert.strictEqual(refused.reason._tag, "WatermarkMoved")
      assert.deepStrictEqual(yield* warehouseDigest, loaded)
      // Even with the watermark forced back (a commit whose acknowledgement was lost), the same rows result.
      const olap = yield* OlapSql
      yield* olap`UPDATE pipeline_watermark SET snapshot = ${from.snapshot} WHERE pipeline = ${from.pipeline}`
      yield* loadBatch(plan)
      assert.deepStrictEqual(yield* warehouseDigest, loaded)
      yield* assertReconciled()
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("concurrent runners never both commit the same batch", () =>
    Effect.gen(function* () {
      yield* seedShop
      const olap = yield* OlapSql
      const committed = olap<{ events: number }>`
        SELECT events::int FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`.pipe(
        Effect.map(([row]) => row!.events)
      )
      const before = yield* committed
      let reported = 0
      for (let round = 0; round < 6; round++) {
        yield* placeOrders(40, { salt: round })
        // A run that loses the watermark's compare-and-set to another writes nothing and reports no events.
        const reports = yield* Effect.forEach([1, 2, 3, 4], () => runOnce({ limit: 100 }), { concurrency: "unbounded" })
        for (const report of reports) reported += report.events
      }
      // Every event a run says it loaded was committed by the watermark once: no batch counted twice.
      assert.strictEqual(reported, (yield* committed) - before)
      yield* drainAndCheckLoadedOnce
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("drain reads the next batch ahead while one loads; racing drains still load each change once", () =>
    Effect.gen(function* () {
      yield* seedShop
      // Many small transactions, so batches of 60 events are many.
      for (let round = 0; round < 12; round++) yield* placeOrders(15, { salt: round })
      const { reports } = yield* drainAll({ limit: 60 })
      assert.isAbove(reports.length, 5)
      assert.isTrue(reports.slice(0, -1).every((r) => r.more))
      assert.isFalse(reports.at(-1)!.more)
      yield* assertReconciled()

      // Two drains on the same backlog: a batch lost to the other's compare-and-set is a run
      // that writes nothing (its read-ahead is dropped); nothing is loaded twice.
      for (let round = 0; round < 12; round++) yield* placeOrders(15, { salt: 100 + round })
      const results = yield* Effect.forEach([1, 2], () => drainAll({ limit: 60 }), { concurrency: "unbounded" })
      for (const r of results) assert.isFalse(r.reports.at(-1)!.more)
      yield* drainAndCheckLoadedOnce
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("lag counts committed changes not yet loaded and reports a long-open writer", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* drain
      assert.strictEqual((yield* lag()).events, 0)
      yield* placeOrders(3)
      const oltp = yield* OltpSql
      const [waiting] = yield* oltp<{ n: number }>`
        SELECT count(*)::int AS n FROM change_log WHERE table_name IN ('orders', 'order_items', 'payments')`
      const open = yield* holdOpen(placeOrders(1))
      const behind = yield* lag()
      assert.strictEqual(behind.events, waiting!.n)
      assert.isAbove(behind.oldestOpenTransactionSeconds, 0)
      yield* open.commit
      yield* drain
      const caughtUp = yield* lag()
      assert.strictEqual(caughtUp.events, 0)
      assert.strictEqual(caughtUp.oldestOpenTransactionSeconds, 0)
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a missing or damaged watermark is refused with what to do", () =>
    Effect.gen(function* () {
      const olap = yield* OlapSql
      yield* olap`UPDATE pipeline_watermark SET snapshot = 'oops' WHERE pipeline = 'cdc_to_star'`
      const bad = yield* Effect.flip(runOnce())
      assert.strictEqual(bad.failure.step, "read_watermark")
      assert.match(bad.message, /watermark "oops" is not pg_snapshot text.*set it to '1:1:'/)
      yield* olap`DELETE FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`
      const missing = yield* Effect.flip(runOnce())
      assert.strictEqual(missing.failure.step, "read_watermark")
      assert.match(missing.message, /No watermark for pipeline cdc_to_star.*insert \('cdc_to_star', '1:1:'\)/)
    }).pipe(Effect.provide(TestDatabases))
  )
})
