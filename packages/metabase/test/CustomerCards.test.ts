import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { runGraph } from "@brewlytics/warehouse/Builder.ts"
import { loadModels } from "@brewlytics/warehouse/ModelGraph.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { customers } from "../src/dashboards/Customers.ts"
import { type FilterValues, toBound } from "../src/Query.ts"

const CUSTOMERS = 24
const DAYS = 40
const FIRST_DAY = Date.UTC(2026, 0, 1)

const day = (n: number) => new Date(FIRST_DAY + n * 86_400_000).toISOString().slice(0, 10)

const quiet = () => Effect.void

interface Order {
  readonly customer: number
  readonly day: number
  readonly items: ReadonlyArray<{ readonly quantity: number; readonly price: string }>
}

/** An order: its customer, day and items (quantity × a price from a short menu, so revenues often tie). */
const order: fc.Arbitrary<Order> = fc.record({
  customer: fc.integer({ min: 1, max: CUSTOMERS }),
  day: fc.integer({ min: 0, max: DAYS - 1 }),
  items: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 2 }), price: fc.constantFrom("3.00", "4.50") }), {
    minLength: 1,
    maxLength: 2
  })
})

/** A date range as the page sends it: each end optional, `from` never after `to`, some reaching outside the sales. */
const range = fc
  .record(
    { from: fc.integer({ min: -3, max: DAYS + 2 }), to: fc.integer({ min: -3, max: DAYS + 2 }) },
    { requiredKeys: [] }
  )
  .map((r): FilterValues => {
    const [from, to] = r.from !== undefined && r.to !== undefined && r.from > r.to ? [r.to, r.from] : [r.from, r.to]
    return { ...(from === undefined ? {} : { from: day(from) }), ...(to === undefined ? {} : { to: day(to) }) }
  })

const card = (slug: string) => customers.cards.find((c) => c.slug === slug)!

/** A card's rows for these filters, as the API runs it. */
const cardRows = (slug: string, filters: FilterValues) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const { strings, values } = toBound(card(slug).query, filters)
    const template = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray
    const rows = yield* sql<Record<string, unknown>>(template, ...values)
    return rows.map((r) =>
      card(slug).columns.map((c) => {
        const v = r[c.name]
        return v instanceof Date ? v.toISOString().slice(0, 10) : String(v)
      })
    )
  })

/** The filters' days as date ids, an absent end reaching past every sale. */
const bounds = (filters: FilterValues) => ({
  from: Number((filters.from ?? "0001-01-01").replaceAll("-", "")),
  to: Number((filters.to ?? "9999-12-31").replaceAll("-", ""))
})

/** The top ten customers straight from the sale facts: revenue, then the customer's id, breaking ties. */
const topCustomersFromFacts = (filters: FilterValues) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const { from, to } = bounds(filters)
    const rows = yield* sql<{ name: string; orders: number; revenue: string; avg_basket_value: string }>`
      SELECT name, orders, revenue, round(revenue / orders, 2) AS avg_basket_value
      FROM (
        SELECT c.name, count(DISTINCT f.order_id)::int AS orders, sum(f.total) AS revenue
        FROM fact_sales f JOIN dim_customer c ON c.id = f.customer_dim_id
        WHERE f.date_id BETWEEN ${from} AND ${to}
        GROUP BY c.id, c.name
        ORDER BY revenue DESC, c.id
        LIMIT 10
      ) t
      ORDER BY revenue DESC, name`
    return rows.map((r) => [r.name, String(r.orders), r.revenue, r.avg_basket_value])
  })

/** Customers buying each day, and those of them on their first day ever, straight from the sale facts. */
const newAndReturningFromFacts = (filters: FilterValues) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const { from, to } = bounds(filters)
    const rows = yield* sql<{ date: string; new_customers: number; returning_customers: number }>`
      WITH firsts AS (SELECT customer_dim_id, min(date_id) AS first_day FROM fact_sales GROUP BY 1)
      SELECT to_char(to_date(f.date_id::text, 'YYYYMMDD'), 'YYYY-MM-DD') AS date,
             count(DISTINCT f.customer_dim_id) FILTER (WHERE f.date_id = x.first_day)::int AS new_customers,
             count(DISTINCT f.customer_dim_id) FILTER (WHERE f.date_id > x.first_day)::int AS returning_customers
      FROM fact_sales f JOIN firsts x USING (customer_dim_id)
      WHERE f.date_id BETWEEN ${from} AND ${to}
      GROUP BY f.date_id
      ORDER BY 1`
    return rows.map((r) => [r.date, String(r.new_customers), String(r.returning_customers)])
  })

const insertOrders = (orders: ReadonlyArray<Order>, firstId: number) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    let item = firstId * 10
    for (const [i, o] of orders.entries()) {
      for (const it of o.items) {
        item++
        yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
            employee_dim_id, product_id, quantity, price, total, order_time, order_status)
          VALUES (${item}, ${firstId + i}, to_char(${day(o.day)}::date, 'YYYYMMDD')::int, 9, ${o.customer}, 1, 1, 1,
                  ${it.quantity}, ${it.price}::numeric, ${it.quantity} * ${it.price}::numeric,
                  (${day(o.day)}::date + time '09:30') AT TIME ZONE 'UTC', 'completed')`
      }
    }
  })

layer(TestDatabases)("the Customers dashboard's cards against the sales they count", (it) => {
  it.effect(
    "top customers and new against returning, for any date range, equal a plain query over fact_sales, built in full and topped up",
    () =>
      Effect.gen(function* () {
        const sql = yield* OlapSql
        const graph = yield* loadModels()
        const cases = fc.sample(
          fc.record({
            first: fc.array(order, { minLength: 1, maxLength: 100 }),
            // Sales loaded after the first build, on any day (late ones too), and items then deleted.
            later: fc.array(order, { maxLength: 25 }),
            deleted: fc.array(fc.nat(), { maxLength: 4 }),
            ranges: fc.array(range, { minLength: 6, maxLength: 6 })
          }),
          { numRuns: 6, seed: 20261127 }
        )
        for (const c of cases) {
          for (const t of [
            "fact_sales",
            "fact_payments",
            "fact_inventory",
            "dim_customer",
            "dim_employee",
            "dim_product"
          ]) {
            yield* sql`TRUNCATE ${sql(t)} RESTART IDENTITY CASCADE`
          }
          yield* sql`INSERT INTO dim_customer (customer_id, name, email, updated_at)
            SELECT n, 'Customer ' || chr(64 + n), 'c' || n || '@example.com', now() FROM generate_series(1, ${CUSTOMERS}) n`
          yield* sql`INSERT INTO dim_employee (employee_id, name, role, active, updated_at) VALUES (1, 'Eve', 'barista', true, now())`
          yield* sql`INSERT INTO dim_product (product_id, name, price, category, size, active, valid_from, is_current)
            VALUES (1, 'Latte', 3.00, 'coffee', 'medium', true, '2025-01-01', true)`
          yield* insertOrders(c.first, 1000)
          yield* runGraph(sql, graph, graph.order, { incremental: false, onProgress: quiet })
          yield* insertOrders(c.later, 5000)
          for (const pick of c.deleted) {
            yield* sql`DELETE FROM fact_sales WHERE order_item_id = (
              SELECT order_item_id FROM fact_sales ORDER BY order_item_id OFFSET ${pick} % greatest(1, (SELECT count(*) FROM fact_sales)) LIMIT 1)`
          }
          yield* runGraph(sql, graph, graph.order, { incremental: true, onProgress: quiet })
          for (const filters of [{}, ...c.ranges]) {
            const label = JSON.stringify(filters)
            assert.deepStrictEqual(
              yield* cardRows("top-customers", filters),
              yield* topCustomersFromFacts(filters),
              label
            )
            assert.deepStrictEqual(
              yield* cardRows("new-vs-returning", filters),
              yield* newAndReturningFromFacts(filters),
              label
            )
          }
        }
      }),
    { timeout: 120_000 }
  )
})
