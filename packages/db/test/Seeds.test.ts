import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { OltpSql } from "../src/Databases.ts"
import { parseCsv, seed } from "../src/Seeds.ts"
import { TestDatabases } from "../src/testing/TestDatabases.ts"

const snapshot = Effect.gen(function* () {
  const sql = yield* OltpSql
  return yield* sql`
    SELECT (SELECT json_agg(p ORDER BY id) FROM products p) AS products,
           (SELECT json_agg(e ORDER BY id) FROM employees e) AS employees,
           (SELECT json_agg(c ORDER BY id) FROM customers c) AS customers`
})

layer(TestDatabases)("seed", (it) => {
  it.effect("loads a believable shop, and a second run changes nothing", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const first = yield* seed
      assert.isAtLeast(first.products, 30)
      assert.strictEqual(first.employees, 8)
      assert.strictEqual(first.customers, 50)
      const counts = yield* sql<{ categories: number; sizes: number; inactive: number }>`
        SELECT (SELECT count(DISTINCT category)::int FROM products) AS categories,
               (SELECT count(DISTINCT size)::int FROM products) AS sizes,
               (SELECT count(*)::int FROM employees WHERE NOT active) AS inactive`
      assert.isAtLeast(counts[0]!.categories, 4)
      assert.isAtLeast(counts[0]!.sizes, 3)
      assert.isAtLeast(counts[0]!.inactive, 1)

      const before = yield* snapshot
      const second = yield* seed
      assert.deepStrictEqual(second, { products: 0, employees: 0, customers: 0 })
      assert.deepStrictEqual(yield* snapshot, before)
    })
  )

  it.effect("two seeders at once still insert every row exactly once", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      yield* sql`TRUNCATE products, employees, customers RESTART IDENTITY CASCADE`
      const [a, b] = yield* Effect.all([seed, seed], { concurrency: 2 })
      assert.strictEqual(a!.customers + b!.customers, 50)
      const rows = yield* sql<{ n: number; products: number; distinct: number }>`
        SELECT (SELECT count(*)::int FROM customers) AS n, (SELECT count(*)::int FROM products) AS products,
               (SELECT count(DISTINCT (name, size))::int FROM products) AS distinct`
      assert.strictEqual(rows[0]!.n, 50)
      // Product names are not unique in the schema (OLTP V7): the seed itself keeps its rows once each.
      assert.strictEqual(rows[0]!.products, a!.products + b!.products)
      assert.strictEqual(rows[0]!.distinct, rows[0]!.products)
    })
  )
})

describe("parseCsv", () => {
  it("reads back any table written as RFC 4180 CSV", () => {
    const cell = fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", " ", "é", "'") })
    fc.assert(
      fc.property(fc.array(fc.tuple(cell, cell), { maxLength: 20 }), (rows) => {
        const quote = (s: string) => `"${s.replace(/"/g, '""')}"`
        const text = ["x,y", ...rows.map(([x, y]) => `${quote(x)},${quote(y)}`)].join("\r\n")
        const parsed = parseCsv(text)
        return JSON.stringify(parsed) === JSON.stringify(rows.map(([x, y]) => ({ x, y })))
      })
    )
  })
})
