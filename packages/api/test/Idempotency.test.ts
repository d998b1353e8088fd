import { OltpSql } from "@brewlytics/db/Databases.ts"
import { NewOrder } from "@brewlytics/domain/api/Orders.ts"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as fc from "fast-check"
import { requestHash } from "../src/orders/Statement.ts"
import { live, postJson, TestApi, tableCounts } from "./TestApi.ts"

const decode = (json: string) => Schema.decodeUnknownSync(NewOrder)(JSON.parse(json))

/** A full order, every field that goes into the hash set. */
const base = {
  customer_id: 3,
  employee_id: 2,
  payment_method: "cash",
  items: [
    { product_id: 2, quantity: 2 },
    { product_id: 5, quantity: 1 }
  ]
}

/** Each a change of one field that makes another order: same key → 409. */
const changes: ReadonlyArray<readonly [string, typeof base]> = [
  ["a quantity", { ...base, items: [{ product_id: 2, quantity: 3 }, base.items[1]!] }],
  ["a product", { ...base, items: [{ product_id: 4, quantity: 2 }, base.items[1]!] }],
  ["the payment method", { ...base, payment_method: "card" }],
  ["the employee", { ...base, employee_id: 3 }],
  ["the customer", { ...base, customer_id: 4 }],
  ["the item order", { ...base, items: [base.items[1]!, base.items[0]!] }],
  ["an added item", { ...base, items: [...base.items, { product_id: 6, quantity: 1 }] }],
  ["a removed item", { ...base, items: [base.items[0]!] }]
]

describe("requestHash", () => {
  it("is the same whatever the order of the JSON keys", () => {
    const shuffledKeys = fc.shuffledSubarray(Object.keys(base), { minLength: 4, maxLength: 4 })
    fc.assert(
      fc.property(shuffledKeys, fc.boolean(), (keys, itemKeysReversed) => {
        const reordered: Record<string, unknown> = {}
        for (const k of keys) reordered[k] = base[k as keyof typeof base]
        const items = base.items.map((i) => (itemKeysReversed ? { quantity: i.quantity, product_id: i.product_id } : i))
        const json = JSON.stringify({ ...reordered, items })
        assert.strictEqual(requestHash(decode(json)), requestHash(decode(JSON.stringify(base))), json)
      })
    )
  })

  it("differs when any field that makes the order differs", () => {
    const hash = requestHash(decode(JSON.stringify(base)))
    for (const [what, changed] of changes) {
      assert.notStrictEqual(requestHash(decode(JSON.stringify(changed))), hash, what)
    }
  })

  it("treats an omitted field as its default (employee: pick one; payment: card)", () => {
    const { employee_id: _, ...noEmployee } = base
    assert.strictEqual(
      requestHash(decode(JSON.stringify(noEmployee))),
      requestHash(decode(JSON.stringify({ ...base, employee_id: null })))
    )
    const { payment_method: __, ...noMethod } = base
    assert.strictEqual(
      requestHash(decode(JSON.stringify(noMethod))),
      requestHash(decode(JSON.stringify({ ...base, payment_method: "card" })))
    )
  })
})

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

  it.effect("the same key with any field of the order changed is a 409 and writes nothing", () =>
    Effect.gen(function* () {
      const first = yield* postJson("/orders/new", base, { "idempotency-key": "till-7-fields" })
      assert.strictEqual(first.status, 200, first.text)
      for (const [what, changed] of changes) {
        const before = yield* tableCounts
        const reuse = yield* postJson("/orders/new", changed, { "idempotency-key": "till-7-fields" })
        assert.strictEqual(reuse.status, 409, `${what}: ${reuse.text}`)
        assert.strictEqual(reuse.json.code, "idempotency_key_reused", what)
        assert.deepStrictEqual(yield* tableCounts, before, what)
      }
      // The key still answers its own order.
      const retry = yield* postJson("/orders/new", base, { "idempotency-key": "till-7-fields" })
      assert.deepStrictEqual([retry.status, retry.json], [200, first.json])
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
