import * as Http from "node:http"
import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { baseUrl, live, postJson, rawHttp, send, TestApi, tableCounts } from "./TestApi.ts"

/** Asserts a JSON error answer with this status and code, and returns its message. */
const expectError = (res: { status: number; json: any; text: string }, status: number, code?: string) => {
  assert.strictEqual(res.status, status, res.text)
  assert.isString(res.json?.code, res.text)
  assert.isString(res.json?.message, res.text)
  if (code !== undefined) assert.strictEqual(res.json.code, code, res.text)
  return res.json.message as string
}

layer(TestApi(), live)("bad input gets a clear JSON error and changes nothing", (it) => {
  const refused = <A, E, R>(request: Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const before = yield* tableCounts
      const res = yield* request
      assert.deepStrictEqual(yield* tableCounts, before, "a refused request changed the database")
      return res
    })

  const anOrder = { customer_id: 1, items: [{ product_id: 1, quantity: 1 }] }

  it.effect("malformed JSON → 400", () =>
    Effect.gen(function* () {
      const res = yield* refused(send("/orders/new", { method: "POST", body: '{"customer_id": 1, "items": [' }))
      expectError(res, 400, "invalid_body")
    })
  )

  it.effect("wrong content type → 415", () =>
    Effect.gen(function* () {
      const res = yield* refused(
        send("/customers/new", {
          method: "POST",
          body: "name=Ann&email=ann@example.com",
          headers: { "content-type": "text/plain" }
        })
      )
      expectError(res, 415, "unsupported_media_type")
    })
  )

  it.effect("a body over the size limit → 413", () =>
    Effect.gen(function* () {
      const res = yield* refused(
        postJson("/customers/new", { name: "Big", email: "big@example.com", pad: "x".repeat(70_000) })
      )
      expectError(res, 413, "payload_too_large")
    })
  )

  it.effect("a chunked body (no Content-Length) that grows over the limit → 413 once it passes it", () =>
    Effect.gen(function* () {
      const url = new URL(yield* baseUrl)
      const res = yield* refused(
        Effect.callback<{ status: number; json: any }>((resume) => {
          const request = Http.request(
            {
              host: "127.0.0.1",
              port: url.port,
              path: "/customers/new",
              method: "POST",
              headers: { "content-type": "application/json" }
            },
            (response) => {
              let text = ""
              response.on("data", (d) => {
                text += d
              })
              response.on("end", () =>
                resume(Effect.succeed({ status: response.statusCode ?? 0, json: JSON.parse(text) }))
              )
            }
          )
          request.on("error", (e) => resume(Effect.die(e)))
          request.write(`{"name": "Chunky", "email": "chunky@example.com", "pad": "`)
          for (let i = 0; i < 20; i++) request.write("x".repeat(8_000))
          request.end(`"}`)
        })
      )
      expectError({ ...res, text: JSON.stringify(res.json) }, 413, "payload_too_large")
    })
  )

  it.effect("NUL bytes, escaped or raw → 400", () =>
    Effect.gen(function* () {
      expectError(yield* refused(postJson("/customers/new", { name: "Ann\u0000", email: "ann@example.com" })), 400)
      expectError(yield* refused(postJson("/products/new", { name: "\u0000", price: 1 })), 400)
      const raw = new TextEncoder().encode('{"name": "Ann\u0000", "email": "ann@example.com"}')
      expectError(yield* refused(send("/customers/new", { method: "POST", body: raw })), 400)
    })
  )

  it.effect("deeply nested JSON → 400, never a crash", () =>
    Effect.gen(function* () {
      const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`
      const res = yield* refused(send("/orders/new", { method: "POST", body: `{"customer_id": ${deep}, "items": []}` }))
      expectError(res, 400)
      const deepObject = `${'{"a":'.repeat(6_000)}1${"}".repeat(6_000)}`
      expectError(yield* refused(send("/orders/new", { method: "POST", body: deepObject })), 400)
    })
  )

  it.effect("nesting deeper than 32 levels anywhere, even under an unknown key → 400 too_deep", () =>
    Effect.gen(function* () {
      const deep = (levels: number) => `${"[".repeat(levels)}${"]".repeat(levels)}`
      for (const levels of [33, 20_000]) {
        const body = `{"customer_id": 1, "items": [{"product_id": 1, "quantity": 1}], "note": ${deep(levels)}}`
        expectError(yield* refused(send("/orders/new", { method: "POST", body })), 400, "too_deep")
      }
      // Brackets inside strings are text, not nesting.
      const res = yield* postJson("/customers/new", { name: "[{".repeat(60), email: "brackets@example.com" })
      assert.strictEqual(res.status, 200, res.text)
    })
  )

  it.effect("a body without Content-Type: application/json → 415; charset utf-8 is fine", () =>
    Effect.gen(function* () {
      const body = JSON.stringify(anOrder)
      for (const headers of [
        {},
        { "content-type": "text/plain" },
        { "content-type": "application/json; charset=latin1" }
      ]) {
        expectError(
          yield* refused(rawHttp("/orders/new", { method: "POST", headers, body })),
          415,
          "unsupported_media_type"
        )
      }
      for (const contentType of ["application/json; charset=utf-8", 'Application/JSON; charset="UTF-8"']) {
        const res = yield* rawHttp("/orders/new", { method: "POST", headers: { "content-type": contentType }, body })
        assert.strictEqual(res.status, 200, res.text)
      }
      // A POST without a body needs no Content-Type.
      const created = yield* postJson("/orders/new", anOrder)
      const cancelled = yield* rawHttp(`/orders/${created.json.order_id}/cancel`, { method: "POST", headers: {} })
      assert.strictEqual(cancelled.status, 200, cancelled.text)
    })
  )

  it.effect("a body that is not valid UTF-8 → 400 invalid_utf8", () =>
    Effect.gen(function* () {
      // ED A0 80 is a UTF-16 surrogate encoded as UTF-8, which UTF-8 forbids; FF never occurs in UTF-8.
      for (const bad of [[0xed, 0xa0, 0x80], [0xff]]) {
        const body = new Uint8Array([
          ...new TextEncoder().encode('{"name": "Ann'),
          ...bad,
          ...new TextEncoder().encode('", "email": "ann.bytes@example.com"}')
        ])
        expectError(yield* refused(send("/customers/new", { method: "POST", body })), 400, "invalid_utf8")
      }
    })
  )

  it.effect("a lone surrogate in any text field of any write route → 400 naming the field", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<{ method: string; path: string; valid: Record<string, unknown> }> = [
        { method: "POST", path: "/customers/new", valid: { name: "Ann", email: "ann.s@example.com" } },
        { method: "PATCH", path: "/customers/3", valid: { name: "Ann", email: "ann.s@example.com" } },
        {
          method: "POST",
          path: "/products/new",
          valid: { name: "Mocha", price: 3, category: "coffee", size: "small" }
        },
        { method: "PATCH", path: "/products/3", valid: { name: "Mocha" } },
        { method: "POST", path: "/employees", valid: { name: "Kim", role: "barista" } },
        { method: "PATCH", path: "/employees/3", valid: { name: "Kim", role: "manager" } },
        { method: "POST", path: "/orders/new", valid: { ...anOrder, payment_method: "cash" } }
      ]
      let checked = 0
      for (const { method, path, valid } of cases) {
        for (const [field, value] of Object.entries(valid)) {
          if (typeof value !== "string") continue
          for (const lone of ["\ud800", "\udfff", "\udc00\ud800"]) {
            const text = field === "email" ? `ann${lone}@example.com` : `${value}${lone}`
            const body = JSON.stringify({ ...valid, [field]: text })
            assert.include(body, "\\ud", "JSON.stringify escapes lone surrogates")
            const message = expectError(yield* refused(send(path, { method, body })), 400, "invalid_body")
            assert.include(message, `["${field}"]`, `${method} ${path} ${field}`)
            checked++
          }
        }
      }
      assert.strictEqual(checked, 3 * 13)
      // A valid pair is one character, not a lone surrogate.
      const ok = yield* postJson("/customers/new", { name: "Ann ☕😀", email: "ann.emoji@example.com" })
      assert.strictEqual(ok.status, 200, ok.text)
      assert.strictEqual(ok.json.name, "Ann ☕😀")
    })
  )

  it.effect("quantities, prices and item lists out of range → 400", () =>
    Effect.gen(function* () {
      for (const quantity of [0, -1, 101, 1.5, "1", null, 1e300]) {
        expectError(yield* refused(postJson("/orders/new", { ...anOrder, items: [{ product_id: 1, quantity }] })), 400)
      }
      expectError(yield* refused(postJson("/orders/new", { ...anOrder, items: [] })), 400)
      for (const price of [0, -2, 1.001, "3", 1e20, null]) {
        expectError(yield* refused(postJson("/products/new", { name: "Odd", price })), 400)
      }
    })
  )

  it.effect("unknown customer, product or employee → 422 naming the id", () =>
    Effect.gen(function* () {
      let message = expectError(
        yield* refused(postJson("/orders/new", { ...anOrder, customer_id: 987654 })),
        422,
        "unknown_customer"
      )
      assert.include(message, "987654")
      message = expectError(
        yield* refused(
          postJson("/orders/new", {
            ...anOrder,
            items: [
              { product_id: 1, quantity: 1 },
              { product_id: 55555, quantity: 2 }
            ]
          })
        ),
        422,
        "unknown_product"
      )
      assert.include(message, "55555")
      message = expectError(
        yield* refused(postJson("/orders/new", { ...anOrder, employee_id: 4444 })),
        422,
        "unknown_employee"
      )
      assert.include(message, "4444")
    })
  )

  it.effect("inactive employee or product → 422", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const [employee] = yield* sql<{ id: bigint }>`SELECT id FROM employees WHERE NOT active LIMIT 1`
      const message = expectError(
        yield* refused(postJson("/orders/new", { ...anOrder, employee_id: Number(employee!.id) })),
        422,
        "inactive_employee"
      )
      assert.include(message, String(employee!.id))
      const [product] = yield* sql<{ id: bigint }>`UPDATE products SET active = false WHERE id = 2 RETURNING id`
      expectError(
        yield* refused(
          postJson("/orders/new", { ...anOrder, items: [{ product_id: Number(product!.id), quantity: 1 }] })
        ),
        422,
        "inactive_product"
      )
      yield* sql`UPDATE products SET active = true WHERE id = 2`
    })
  )

  it.effect("a key the body's schema does not name → 400 naming it, on every write route", () =>
    Effect.gen(function* () {
      const writes: ReadonlyArray<readonly [string, string, Record<string, unknown>]> = [
        ["POST", "/orders/new", anOrder],
        ["POST", "/orders/new", { ...anOrder, items: [{ product_id: 1, quantity: 1, price: 0 }] }],
        ["POST", "/customers/new", { name: "Ann", email: "ann.extra@example.com" }],
        ["PATCH", "/customers/1", { name: "Ann" }],
        ["POST", "/products/new", { name: "Extra", price: 2 }],
        ["PATCH", "/products/1", { price: 2 }],
        ["POST", "/employees", { name: "Kim", role: "barista" }],
        ["PATCH", "/employees/1", { active: true }],
        ["POST", "/products/1/stock/received", { quantity: 1 }],
        ["POST", "/products/1/stock/wasted", { quantity: 1 }],
        ["PATCH", "/orders/1/items/1", { quantity: 1 }]
      ]
      for (const [method, path, body] of writes) {
        const res = yield* refused(send(path, { method, body: JSON.stringify({ ...body, nickname: "x" }) }))
        assert.include(expectError(res, 400, "invalid_body"), "nickname", `${method} ${path}`)
      }
    })
  )

  it.effect("a method a path does not take → 405 JSON with Allow; HEAD goes with GET", () =>
    Effect.gen(function* () {
      const res = yield* refused(send("/customers/1", { method: "DELETE" }))
      expectError(res, 405, "method_not_allowed")
      assert.strictEqual(res.headers.allow, "GET, PATCH, HEAD")
      const put = yield* refused(send("/orders/new", { method: "PUT", body: JSON.stringify(anOrder) }))
      expectError(put, 405, "method_not_allowed")
      assert.include(put.headers.allow!, "POST")
      expectError(yield* send("/openapi.json", { method: "POST", body: "{}" }), 405, "method_not_allowed")
      assert.strictEqual((yield* send("/customers/1", { method: "HEAD" })).status, 200)
    })
  )

  it.effect("ids and page sizes in the path or query are plain digits in range → 400 otherwise", () =>
    Effect.gen(function* () {
      for (const id of ["1e0", "+1", "1.0", "0", "9007199254740992"]) {
        expectError(yield* send(`/customers/${id}`), 400, "invalid_path")
        expectError(yield* send(`/orders?customer_id=${encodeURIComponent(id)}`), 400, "invalid_query")
      }
      for (const limit of ["0", "201", "2e1"])
        expectError(yield* send(`/products?limit=${limit}`), 400, "invalid_query")
      assert.strictEqual((yield* send("/products?limit=200")).status, 200)
    })
  )

  it.effect("an order with ids past 2^31 among small ones → 422 naming them, not a 500", () =>
    Effect.gen(function* () {
      const items = [
        { product_id: 1, quantity: 1 },
        { product_id: 2_147_483_648, quantity: 1 }
      ]
      const message = expectError(
        yield* refused(postJson("/orders/new", { ...anOrder, items })),
        422,
        "unknown_product"
      )
      assert.include(message, "2147483648")
    })
  )

  it.effect("unknown routes and ids → 404 JSON; a malformed id → 400", () =>
    Effect.gen(function* () {
      expectError(yield* send("/no/such/route"), 404, "route_not_found")
      assert.include(expectError(yield* send("/customers/424242"), 404, "customer_not_found"), "424242")
      expectError(yield* send("/orders/999999"), 404, "order_not_found")
      expectError(yield* send("/customers/abc"), 400, "invalid_path")
      expectError(yield* send("/customers?limit=100000"), 400, "invalid_query")
    })
  )
})

layer(TestApi(), live)("the order statement refuses by itself, whatever the table constraints", (it) => {
  it.effect(
    "with every foreign key, CHECK and NOT NULL of the order tables dropped, a refused order writes nothing",
    () =>
      Effect.gen(function* () {
        const sql = yield* OltpSql
        yield* sql.unsafe(`
        DO $$
        DECLARE c record;
        BEGIN
          FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint
                   WHERE conrelid IN ('orders'::regclass, 'order_items'::regclass, 'payments'::regclass,
                                      'stock_movements'::regclass) AND contype IN ('f', 'c')
          LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); END LOOP;
          FOR c IN SELECT table_name, column_name FROM information_schema.columns
                   WHERE table_schema = current_schema() AND is_nullable = 'NO' AND column_name <> 'id'
                     AND table_name IN ('orders', 'order_items', 'payments', 'stock_movements')
          LOOP EXECUTE format('ALTER TABLE %I ALTER COLUMN %I DROP NOT NULL', c.table_name, c.column_name); END LOOP;
        END $$`)
        const [left] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_constraint
        WHERE conrelid = 'order_items'::regclass AND contype IN ('f', 'c')`
        assert.strictEqual(left!.n, 0)
        const [inactiveEmployee] = yield* sql<{ id: bigint }>`SELECT id FROM employees WHERE NOT active LIMIT 1`
        const [inactiveProduct] = yield* sql<{
          id: bigint
        }>`UPDATE products SET active = false WHERE id = 3 RETURNING id`
        const line = (product_id: number) => ({ product_id, quantity: 2 })
        const refusals: ReadonlyArray<readonly [string, unknown]> = [
          ["unknown_product", { customer_id: 1, items: [line(1), line(55555)] }],
          ["unknown_product", { customer_id: 1, items: [line(2147483648)] }],
          ["inactive_product", { customer_id: 1, items: [line(1), line(Number(inactiveProduct!.id))] }],
          ["unknown_customer", { customer_id: 987654, items: [line(1)] }],
          ["unknown_employee", { customer_id: 1, employee_id: 4444, items: [line(1)] }],
          ["inactive_employee", { customer_id: 1, employee_id: Number(inactiveEmployee!.id), items: [line(1)] }]
        ]
        for (const [code, order] of refusals) {
          const before = yield* tableCounts
          const res = yield* postJson("/orders/new", order)
          assert.deepStrictEqual(yield* tableCounts, before, `${code} wrote rows: ${res.status} ${res.text}`)
          assert.strictEqual(res.status, 422, `${code}: ${res.text}`)
          assert.strictEqual(res.json.code, code, res.text)
        }
        // The statement still writes a good order.
        assert.strictEqual((yield* postJson("/orders/new", { customer_id: 1, items: [line(1)] })).status, 200)
      })
  )
})
