import type { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import type { HttpClient, HttpServer } from "effect/http"
import * as fc from "fast-check"
import { live, send, TestApi, tableCounts } from "./TestApi.ts"

/** Values that break naive handlers: control characters, huge and odd numbers, deep and wrong shapes. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "💥".repeat(200),
    "x".repeat(5000),
    "'; DROP TABLE orders; --",
    "%_\\",
    [],
    {},
    [[[[[[[[]]]]]]]]
  ),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 4 })
)

/** A valid payload with some fields replaced, dropped or added. */
const mutated = (valid: Record<string, unknown>) =>
  fc
    .tuple(
      fc.subarray(Object.keys(valid)),
      fc.dictionary(fc.constantFrom(...Object.keys(valid), "extra", "__proto__", "constructor"), hostileValue, {
        maxKeys: 3
      })
    )
    .map(([kept, replaced]) => {
      const out: Record<string, unknown> = {}
      for (const k of kept) out[k] = valid[k]
      return { ...out, ...replaced }
    })

/** Ids across the whole range the contract allows (1 to 2^53 - 1): seeded ones, either side of 2^31, huge. */
const anyId = fc.oneof(
  fc.integer({ min: 1, max: 40 }),
  fc.integer({ min: 2 ** 31 - 2, max: 2 ** 31 + 2 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
)
/** Ids just past the range, as JSON numbers (`JSON.stringify` writes them exactly enough to stay past it). */
const tooLargeId = fc.constantFrom(Number.MAX_SAFE_INTEGER + 1, Number.MAX_SAFE_INTEGER + 2, 2 ** 63, 1e20)

const validOrder = { customer_id: 1, employee_id: 1, items: [{ product_id: 1, quantity: 2 }], payment_method: "cash" }
const hostileOrder = fc.oneof(
  mutated(validOrder),
  fc.record({
    customer_id: anyId,
    employee_id: fc.option(anyId),
    items: fc.array(fc.record({ product_id: anyId, quantity: fc.integer({ min: 1, max: 100 }) }), {
      minLength: 1,
      maxLength: 50
    })
  }),
  fc.record({
    customer_id: hostileValue,
    items: fc.array(fc.record({ product_id: hostileValue, quantity: hostileValue }), { maxLength: 60 })
  })
)

/** Bodies as bytes: JSON of hostile values, or arbitrary text that may not be JSON at all. */
const body = (payload: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 4, arbitrary: payload.map((p) => JSON.stringify(p) ?? "null") },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) }
  )

const pathId = fc.oneof(
  fc.integer({ min: -5, max: 60 }).map(String),
  fc.constantFrom("0", "1e3", "abc", "%00", "9007199254740993", "-0", "1.5", "%F0%9F%92%A5")
)

const routes: ReadonlyArray<{
  readonly name: string
  readonly request: fc.Arbitrary<{ method: string; path: string; body?: string }>
}> = [
  {
    name: "POST /orders/new",
    request: body(hostileOrder).map((b) => ({ method: "POST", path: "/orders/new", body: b }))
  },
  {
    name: "POST /customers/new",
    request: body(mutated({ name: "Zoe", email: "zoe@example.com" })).map((b) => ({
      method: "POST",
      path: "/customers/new",
      body: b
    }))
  },
  {
    name: "POST /products/new",
    request: body(mutated({ name: "Flat white", price: 3.2, category: "coffee", size: "small" })).map((b) => ({
      method: "POST",
      path: "/products/new",
      body: b
    }))
  },
  {
    name: "POST /employees",
    request: body(mutated({ name: "Kim", role: "barista" })).map((b) => ({
      method: "POST",
      path: "/employees",
      body: b
    }))
  },
  {
    name: "PATCH /customers/:id",
    request: fc
      .tuple(pathId, body(mutated({ name: "Zed", email: "olivia.dubois0@example.com" })))
      .map(([id, b]) => ({ method: "PATCH", path: `/customers/${id}`, body: b }))
  },
  {
    name: "PATCH /products/:id",
    request: fc
      .tuple(pathId, body(mutated({ name: "Espresso", price: 2.5, active: true })))
      .map(([id, b]) => ({ method: "PATCH", path: `/products/${id}`, body: b }))
  },
  {
    name: "PATCH /employees/:id",
    request: fc
      .tuple(pathId, body(mutated({ active: true, role: "manager" })))
      .map(([id, b]) => ({ method: "PATCH", path: `/employees/${id}`, body: b }))
  },
  {
    name: "POST /products/:id/stock/{received,wasted}",
    request: fc
      .tuple(pathId, fc.constantFrom("received", "wasted"), body(mutated({ quantity: 5 })))
      .map(([id, kind, b]) => ({ method: "POST", path: `/products/${id}/stock/${kind}`, body: b }))
  },
  {
    name: "PATCH /orders/:id/items/:item_id",
    request: fc
      .tuple(pathId, pathId, body(mutated({ quantity: 3 })))
      .map(([id, item, b]) => ({ method: "PATCH", path: `/orders/${id}/items/${item}`, body: b }))
  },
  {
    name: "DELETE /orders/:id/items/:item_id",
    request: fc.tuple(pathId, pathId).map(([id, item]) => ({ method: "DELETE", path: `/orders/${id}/items/${item}` }))
  },
  {
    name: "POST /orders/:id/cancel",
    request: pathId.map((id) => ({ method: "POST", path: `/orders/${id}/cancel` }))
  }
]

layer(TestApi(), live)("hostile payloads on every write route", (it) => {
  // A few real orders so that item and cancel routes have something to hit.
  it.effect("setup: some orders exist", () =>
    Effect.gen(function* () {
      for (let i = 1; i <= 5; i++) {
        const res = yield* send("/orders/new", {
          method: "POST",
          body: JSON.stringify({
            customer_id: i,
            items: [
              { product_id: i, quantity: 1 },
              { product_id: i + 1, quantity: 2 }
            ]
          })
        })
        assert.strictEqual(res.status, 200, res.text)
      }
    })
  )

  it.effect("ids across the whole allowed range, mixed in one order: 200 or 422, never 5xx; past it: 400", () =>
    Effect.gen(function* () {
      const context = yield* Effect.context<HttpServer.HttpServer | HttpClient.HttpClient | OltpSql>()
      const order = fc.record({
        customer_id: anyId,
        employee_id: fc.option(anyId, { nil: undefined }),
        items: fc.array(fc.record({ product_id: anyId, quantity: fc.integer({ min: 1, max: 100 }) }), {
          minLength: 2,
          maxLength: 50
        }),
        tooLarge: fc.option(fc.tuple(fc.constantFrom("customer_id", "employee_id", "product_id"), tooLargeId), {
          nil: undefined
        })
      })
      const check = ({ tooLarge, ...payload }: typeof order extends fc.Arbitrary<infer T> ? T : never) =>
        Effect.gen(function* () {
          const body: Record<string, unknown> & { items: Array<unknown> } = { ...payload, items: [...payload.items] }
          if (tooLarge !== undefined) {
            const [field, id] = tooLarge
            if (field === "product_id") body.items.push({ product_id: id, quantity: 1 })
            else body[field] = id
          }
          const before = yield* tableCounts
          const res = yield* send("/orders/new", { method: "POST", body: JSON.stringify(body) })
          const what = `${JSON.stringify(body)} → ${res.status} ${res.text}`
          if (tooLarge !== undefined) assert.strictEqual(res.status, 400, what)
          else assert.include([200, 422], res.status, what)
          if (res.status !== 200) assert.deepStrictEqual(yield* tableCounts, before, `changed the database: ${what}`)
        }).pipe(Effect.provideContext(context), Effect.runPromise)
      yield* Effect.promise(() => fc.assert(fc.asyncProperty(order, check), { numRuns: 80 }))
    })
  )

  for (const route of routes) {
    it.effect(`${route.name}: never a 5xx, and a refusal changes nothing`, () =>
      Effect.gen(function* () {
        const context = yield* Effect.context<HttpServer.HttpServer | HttpClient.HttpClient | OltpSql>()
        const check = (request: { method: string; path: string; body?: string }) =>
          Effect.gen(function* () {
            const before = yield* tableCounts
            const res = yield* send(request.path, {
              method: request.method,
              ...(request.body === undefined ? {} : { body: request.body })
            })
            const what = `${request.method} ${request.path} ${request.body} → ${res.status} ${res.text}`
            assert.isBelow(res.status, 500, what)
            if (res.status >= 400) {
              assert.isString(res.json?.code, `no JSON error body: ${what}`)
              assert.deepStrictEqual(yield* tableCounts, before, `changed the database: ${what}`)
            }
          }).pipe(Effect.provideContext(context), Effect.runPromise)
        yield* Effect.promise(() => fc.assert(fc.asyncProperty(route.request, check), { numRuns: 60 }))
      })
    )
  }
})
