import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { live, postJson, TestApi, tableCounts } from "./TestApi.ts"

const order = { customer_id: 3, items: [{ product_id: 2, quantity: 2 }] }

layer(TestApi(), live)("Idempotency-Key on POST /orders/new", (it) => {
  it.effect("a retry with the same key and body returns the same order and writes nothing", () =>
    Effect.gen(function* () {
      const first = yield* postJson("/orders/new", order, { "idempotency-key": "till-7-0001" })
      assert.strictEqual(first.status, 200, first.text)
      const before = yield* tableCounts
      const retry = yield* postJson("/orders/new", order, { "idempotency-key": "till-7-0001" })
      assert.strictEqual(retry.status, 200, retry.text)
      assert.deepStrictEqual(retry.json, first.json)
      assert.deepStrictEqual(yield* tableCounts, before)
    })
  )

  it.effect("the same key with a different body is a 409 and writes nothing", () =>
    Effect.gen(function* () {
      yield* postJson("/orders/new", order, { "idempotency-key": "till-7-0002" })
      const before = yield* tableCounts
      const reuse = yield* postJson("/orders/new", { ...order, customer_id: 4 }, { "idempotency-key": "till-7-0002" })
      assert.strictEqual(reuse.status, 409, reuse.text)
      assert.strictEqual(reuse.json.code, "idempotency_key_reused")
      assert.deepStrictEqual(yield* tableCounts, before)
    })
  )

  it.effect("concurrent retries with one key make exactly one order", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const results = yield* Effect.forEach(
        Array.from({ length: 8 }, () => 0),
        () => postJson("/orders/new", order, { "idempotency-key": "till-7-burst" }),
        { concurrency: "unbounded" }
      )
      const ids = new Set(results.map((r) => r.json.order_id))
      assert.deepStrictEqual(
        results.map((r) => r.status),
        results.map(() => 200)
      )
      assert.strictEqual(ids.size, 1)
      const [row] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM orders WHERE id IN (SELECT order_id FROM idempotency_keys WHERE key = 'till-7-burst')`
      assert.strictEqual(row!.n, 1)
    })
  )

  it.effect("a refused order does not burn its key; a bad key is a 400", () =>
    Effect.gen(function* () {
      const refused = yield* postJson("/orders/new", { ...order, customer_id: 999999 }, { "idempotency-key": "k-1" })
      assert.strictEqual(refused.status, 422)
      const ok = yield* postJson("/orders/new", order, { "idempotency-key": "k-1" })
      assert.strictEqual(ok.status, 200, ok.text)
      const bad = yield* postJson("/orders/new", order, { "idempotency-key": "x".repeat(300) })
      assert.strictEqual(bad.status, 400)
    })
  )
})
