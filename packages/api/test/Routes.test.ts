import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { live, postJson, send, TestApi, tableCounts } from "./TestApi.ts"

const patchJson = (path: string, body: unknown) => send(path, { method: "PATCH", body: JSON.stringify(body) })

layer(TestApi(), live)("the rest a shop needs", (it) => {
  it.effect("lists page by id with keyset pagination, every row exactly once", () =>
    Effect.gen(function* () {
      const seen: Array<number> = []
      let after: number | null | undefined
      let pages = 0
      while (after !== null) {
        const res: { status: number; json: any; text: string } = yield* send(
          `/customers?limit=7${after === undefined ? "" : `&after=${after}`}`
        )
        assert.strictEqual(res.status, 200, res.text)
        assert.isAtMost(res.json.items.length, 7)
        seen.push(...res.json.items.map((c: { id: number }) => c.id))
        after = res.json.next_after
        pages++
      }
      const sql = yield* OltpSql
      const ids = yield* sql<{ id: bigint }>`SELECT id FROM customers ORDER BY id`
      assert.deepStrictEqual(
        seen,
        ids.map((r) => Number(r.id))
      )
      assert.strictEqual(pages, Math.ceil(ids.length / 7) + (ids.length % 7 === 0 ? 1 : 0))
    })
  )

  it.effect("list filters: products by category and active, employees by active, customers by email and name", () =>
    Effect.gen(function* () {
      const coffee = yield* send("/products?category=coffee&limit=200")
      assert.isAbove(coffee.json.items.length, 0)
      assert.isTrue(coffee.json.items.every((p: { category: string }) => p.category === "coffee"))
      const inactive = yield* send("/employees?active=false")
      assert.strictEqual(inactive.json.items.length, 2)
      const byEmail = yield* send("/customers?email=OLIVIA.DUBOIS0@example.com")
      assert.deepStrictEqual(
        byEmail.json.items.map((c: { email: string }) => c.email),
        ["olivia.dubois0@example.com"]
      )
      const byName = yield* send("/customers?name=oli")
      assert.isTrue(byName.json.items.every((c: { name: string }) => c.name.toLowerCase().startsWith("oli")))
      const wildcard = yield* send(`/customers?name=${encodeURIComponent("%")}`)
      assert.strictEqual(wildcard.json.items.length, 0, "LIKE wildcards in a filter match literally")
    })
  )

  it.effect("get by id for customers, products, employees, orders", () =>
    Effect.gen(function* () {
      assert.strictEqual((yield* send("/customers/3")).json.id, 3)
      assert.strictEqual((yield* send("/products/3")).json.id, 3)
      assert.strictEqual((yield* send("/employees/3")).json.id, 3)
      const order = yield* postJson("/orders/new", { customer_id: 2, items: [{ product_id: 4, quantity: 1 }] })
      const got = yield* send(`/orders/${order.json.order_id}`)
      assert.deepStrictEqual(got.json, order.json)
    })
  )

  it.effect("a price change applies to later sales; sold items keep their price", () =>
    Effect.gen(function* () {
      const before = yield* postJson("/orders/new", { customer_id: 1, items: [{ product_id: 5, quantity: 1 }] })
      const oldPrice = before.json.items[0].unit_price
      const changed = yield* patchJson("/products/5", { price: 9.99 })
      assert.strictEqual(changed.status, 200, changed.text)
      assert.strictEqual(changed.json.price, 9.99)
      const after = yield* postJson("/orders/new", { customer_id: 1, items: [{ product_id: 5, quantity: 1 }] })
      assert.strictEqual(after.json.items[0].unit_price, 9.99)
      assert.strictEqual((yield* send(`/orders/${before.json.order_id}`)).json.items[0].unit_price, oldPrice)
    })
  )

  it.effect("customer update; an email taken by another customer is a 409 and changes nothing", () =>
    Effect.gen(function* () {
      const renamed = yield* patchJson("/customers/4", { name: "Renamed Person" })
      assert.strictEqual(renamed.json.name, "Renamed Person")
      const other = (yield* send("/customers/5")).json.email
      const before = yield* tableCounts
      const clash = yield* patchJson("/customers/4", { email: other })
      assert.strictEqual(clash.status, 409, clash.text)
      assert.deepStrictEqual(yield* tableCounts, before)
    })
  )

  it.effect("employees: create, deactivate; a deactivated employee no longer takes orders", () =>
    Effect.gen(function* () {
      const created = yield* postJson("/employees", { name: "Nia Brooks", role: "barista" })
      assert.strictEqual(created.status, 200, created.text)
      const id = created.json.id
      assert.isTrue((yield* send("/employees/active")).json.some((e: { id: number }) => e.id === id))
      const off = yield* patchJson(`/employees/${id}`, { active: false })
      assert.strictEqual(off.json.active, false)
      assert.isFalse((yield* send("/employees/active")).json.some((e: { id: number }) => e.id === id))
      const refused = yield* postJson("/orders/new", {
        customer_id: 1,
        employee_id: id,
        items: [{ product_id: 1, quantity: 1 }]
      })
      assert.strictEqual(refused.status, 422)
    })
  )

  it.effect("order item quantity change and removal keep the payment equal to the total", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const order = yield* postJson("/orders/new", {
        customer_id: 6,
        items: [
          { product_id: 1, quantity: 1 },
          { product_id: 2, quantity: 1 }
        ]
      })
      const id = order.json.order_id
      const [first, second] = order.json.items
      const changed = yield* patchJson(`/orders/${id}/items/${first.id}`, { quantity: 4 })
      assert.strictEqual(changed.status, 200, changed.text)
      assert.strictEqual(changed.json.items[0].quantity, 4)
      const removed = yield* send(`/orders/${id}/items/${second.id}`, { method: "DELETE" })
      assert.strictEqual(removed.status, 200, removed.text)
      assert.deepStrictEqual(
        removed.json.items.map((i: { id: number }) => i.id),
        [first.id]
      )
      const [pay] = yield* sql<{ amount: string }>`SELECT amount FROM payments WHERE order_id = ${id}`
      assert.strictEqual(Number(pay!.amount), removed.json.total)
      assert.closeTo(removed.json.total, first.unit_price * 4, 1e-9)
      const last = yield* send(`/orders/${id}/items/${first.id}`, { method: "DELETE" })
      assert.strictEqual(last.status, 409)
      assert.strictEqual(last.json.code, "last_item")
      const notMine = yield* patchJson(`/orders/${id}/items/${second.id}`, { quantity: 2 })
      assert.strictEqual(notMine.status, 404)
    })
  )

  it.effect("cancel sets status 'cancelled', keeps the items, refunds the payment; then the order is final", () =>
    Effect.gen(function* () {
      const order = yield* postJson("/orders/new", { customer_id: 7, items: [{ product_id: 3, quantity: 2 }] })
      const id = order.json.order_id
      const cancelled = yield* send(`/orders/${id}/cancel`, { method: "POST" })
      assert.strictEqual(cancelled.status, 200, cancelled.text)
      assert.strictEqual(cancelled.json.status, "cancelled")
      assert.strictEqual(cancelled.json.items.length, 1)
      assert.strictEqual(cancelled.json.payment.status, "refunded")
      assert.strictEqual((yield* send(`/orders/${id}/cancel`, { method: "POST" })).status, 409)
      const item = cancelled.json.items[0].id
      assert.strictEqual((yield* patchJson(`/orders/${id}/items/${item}`, { quantity: 1 })).status, 409)
      const listed = yield* send(`/orders?status=cancelled&customer_id=7`)
      assert.deepStrictEqual(
        listed.json.items.map((o: { order_id: number }) => o.order_id),
        [id]
      )
    })
  )

  it.effect("stock: received and wasted movements, and the level net of sales", () =>
    Effect.gen(function* () {
      const start = (yield* send("/products/8/stock")).json
      assert.strictEqual((yield* postJson("/products/8/stock/received", { quantity: 40 })).status, 200)
      const waste = yield* postJson("/products/8/stock/wasted", { quantity: 3 })
      assert.strictEqual(waste.json.kind, "wasted")
      yield* postJson("/orders/new", { customer_id: 1, items: [{ product_id: 8, quantity: 5 }] })
      const level = (yield* send("/products/8/stock")).json
      assert.deepStrictEqual(level, {
        product_id: 8,
        received: start.received + 40,
        wasted: start.wasted + 3,
        sold: start.sold + 5,
        on_hand: start.on_hand + 40 - 3 - 5
      })
      assert.strictEqual((yield* send("/products/99999/stock")).status, 404)
      assert.strictEqual((yield* postJson("/products/99999/stock/received", { quantity: 1 })).status, 404)
    })
  )
})
