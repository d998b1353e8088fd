import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { live, postJson, send, TestApi, tableCounts } from "./TestApi.ts"

layer(TestApi(), live)("seed-compatible routes", (it) => {
  it.effect("GET /employees/active lists the active employees only, as {id, name}", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const res = yield* send("/employees/active")
      assert.strictEqual(res.status, 200)
      const active = yield* sql<{ id: bigint; name: string }>`SELECT id, name FROM employees WHERE active ORDER BY id`
      assert.deepStrictEqual(
        res.json,
        active.map((e) => ({ id: Number(e.id), name: e.name }))
      )
      assert.strictEqual(res.json.length, 6)
    })
  )

  it.effect(
    "POST /customers/new answers 200 with {id, name, email}; an email already registered answers that customer, writing nothing",
    () =>
      Effect.gen(function* () {
        const res = yield* postJson("/customers/new", { name: "Ada Lovelace", email: "Ada@Example.com" })
        assert.strictEqual(res.status, 200, res.text)
        assert.deepStrictEqual(Object.keys(res.json).sort(), ["email", "id", "name"])
        assert.strictEqual(res.json.email, "ada@example.com")
        const before = yield* tableCounts
        const again = yield* postJson("/customers/new", { name: "Ada Again", email: "ada@EXAMPLE.com" })
        assert.strictEqual(again.status, 200, again.text)
        // The customer as stored: the first sign-up's name, not the retry's.
        assert.deepStrictEqual(again.json, res.json)
        assert.deepStrictEqual(yield* tableCounts, before)
      })
  )

  it.effect("concurrent sign-ups with one email make one customer, and every answer is that customer", () =>
    Effect.gen(function* () {
      const answers = yield* Effect.forEach(
        Array.from({ length: 8 }, (_, i) => i),
        (i) => postJson("/customers/new", { name: `Racer ${i}`, email: "race@example.com" }),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(
        answers.map((a) => a.status),
        answers.map(() => 200)
      )
      assert.strictEqual(new Set(answers.map((a) => a.json.id)).size, 1)
      const sql = yield* OltpSql
      const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM customers WHERE email = 'race@example.com'`
      assert.strictEqual(row!.n, 1)
    })
  )

  it.effect("POST /products/new answers 200 with {id, name, price, …} and the price in currency units", () =>
    Effect.gen(function* () {
      const res = yield* postJson("/products/new", { name: "Cortado", price: 3.1 })
      assert.strictEqual(res.status, 200, res.text)
      assert.strictEqual(res.json.name, "Cortado")
      assert.strictEqual(res.json.price, 3.1)
      assert.strictEqual(res.json.category, "other")
      assert.strictEqual(res.json.size, "regular")
      assert.strictEqual(res.json.active, true)
    })
  )

  it.effect("POST /products/new creates a product whatever its name: the same name twice is two products", () =>
    Effect.gen(function* () {
      const first = yield* postJson("/products/new", { name: "Large Mocha", price: 4.5 })
      const second = yield* postJson("/products/new", { name: "Large Mocha", price: 4.75 })
      assert.strictEqual(first.status, 200, first.text)
      assert.strictEqual(second.status, 200, second.text)
      assert.notStrictEqual(first.json.id, second.json.id)
      assert.strictEqual(second.json.price, 4.75)
      const renamed = yield* send(`/products/${second.json.id}`, {
        method: "PATCH",
        body: JSON.stringify({ name: "Espresso" })
      })
      assert.strictEqual(renamed.status, 200, renamed.text)
    })
  )

  it.effect("POST /orders/new writes order, items at the product's price, payment and stock movements", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const [p1, p2] = yield* sql<{
        id: bigint
        price: string
      }>`SELECT id, price FROM products WHERE active ORDER BY id LIMIT 2`
      const res = yield* postJson("/orders/new", {
        customer_id: 1,
        items: [
          { product_id: Number(p1!.id), quantity: 2 },
          { product_id: Number(p2!.id), quantity: 1 }
        ]
      })
      assert.strictEqual(res.status, 200, res.text)
      const id = res.json.order_id
      assert.isNumber(id)
      const expected = Number(p1!.price) * 2 + Number(p2!.price)
      assert.closeTo(res.json.total, expected, 1e-9)
      assert.deepStrictEqual(
        res.json.items.map((i: any) => [i.product_id, i.quantity, i.unit_price]),
        [
          [Number(p1!.id), 2, Number(p1!.price)],
          [Number(p2!.id), 1, Number(p2!.price)]
        ]
      )
      const [order] = yield* sql<{ employee_active: boolean }>`
        SELECT e.active AS employee_active FROM orders o JOIN employees e ON e.id = o.employee_id WHERE o.id = ${id}`
      assert.isTrue(order!.employee_active)
      const [pay] = yield* sql<{
        amount: string
        method: string
      }>`SELECT amount, method FROM payments WHERE order_id = ${id}`
      assert.strictEqual(Number(pay!.amount), expected)
      assert.strictEqual(pay!.method, "card")
      const moves = yield* sql<{ kind: string; quantity: number }>`
        SELECT kind, quantity FROM stock_movements WHERE order_id = ${id} ORDER BY id`
      assert.deepStrictEqual(
        moves.map((m) => [m.kind, m.quantity]),
        [
          ["sold", 2],
          ["sold", 1]
        ]
      )
    })
  )
})
