import { OltpSql } from "@brewlytics/db/Databases.ts"
import { dashboards } from "@brewlytics/metabase/dashboards/All.ts"
import { drain } from "@brewlytics/pipeline/pipelines/RunCdcToStar.ts"
import { runModels } from "@brewlytics/warehouse/Builder.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { placeOrders, receiveStock } from "../../pipeline/test/cdc/Shop.ts"
import { live, send, TestApi } from "./TestApi.ts"

const cards = dashboards.flatMap((d) => d.cards.map((c) => ({ dashboard: d.slug, card: c })))

const cardUrl = (dashboard: string, card: string, filters: Record<string, string | number> = {}) => {
  const query = new URLSearchParams(
    Object.entries(filters).map(([k, v]): [string, string] => [k, String(v)])
  ).toString()
  return `/dashboards/${dashboard}/cards/${card}${query === "" ? "" : `?${query}`}`
}

const get = (dashboard: string, card: string, filters: Record<string, string | number> = {}) =>
  Effect.gen(function* () {
    const res = yield* send(cardUrl(dashboard, card, filters))
    assert.strictEqual(res.status, 200, `${dashboard}/${card} ${JSON.stringify(filters)}: ${res.text}`)
    return res.json as { columns: Array<{ name: string; type: string }>; rows: Array<Array<unknown>> }
  })

const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10)

/** The shop's history: orders over the last three days and ten days ago, loaded and modelled. */
const history = Effect.gen(function* () {
  yield* placeOrders(80)
  yield* placeOrders(20, { at: new Date(Date.now() - 10 * 86_400_000).toISOString(), salt: 3 })
  yield* receiveStock(1n, 50)
  yield* drain()
  yield* runModels({ incremental: false })
}).pipe(Effect.orDie)

layer(TestApi(), live)("the dashboards' data API", (it) => {
  it.effect("lists every dashboard, and every card answers with its columns, numbers as JSON numbers", () =>
    Effect.gen(function* () {
      yield* history
      const list = yield* send("/dashboards")
      assert.strictEqual(list.status, 200, list.text)
      assert.deepStrictEqual(
        list.json.map((d: { slug: string }) => d.slug),
        dashboards.map((d) => d.slug)
      )
      for (const d of list.json) {
        assert.isAbove(d.cards.length, 0)
        for (const c of d.cards) assert.includeMembers(Object.keys(c), ["slug", "title", "display"])
      }
      for (const { dashboard, card } of cards) {
        const data = yield* get(dashboard, card.slug)
        assert.deepStrictEqual(
          data.columns.map((c) => c.name),
          card.columns.map((c) => c.name),
          card.slug
        )
        for (const row of data.rows) {
          assert.strictEqual(row.length, card.columns.length)
          card.columns.forEach((column, i) => {
            const value = row[i]
            if (value === null) return
            if (["integer", "number", "money", "percent"].includes(column.type)) {
              assert.strictEqual(typeof value, "number", `${card.slug}.${column.name}: ${JSON.stringify(value)}`)
              if (column.type === "money") assert.strictEqual(Math.round((value as number) * 100) / 100, value)
              if (column.type === "integer") assert.isTrue(Number.isInteger(value))
            }
            if (column.type === "date") assert.match(String(value), /^\d{4}-\d{2}-\d{2}$/)
          })
        }
      }
    })
  )

  it.effect("today's revenue is what the till took today (UTC), from the star schema", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const [till] = yield* sql<{ revenue: string | null }>`
        SELECT sum(i.quantity * i.unit_price)::text AS revenue FROM order_items i JOIN orders o ON o.id = i.order_id
        WHERE (o.order_time AT TIME ZONE 'UTC')::date = (now() AT TIME ZONE 'UTC')::date`
      const data = yield* get("shop-overview", "revenue-today")
      assert.strictEqual(data.rows[0]![0], Number(till!.revenue ?? 0))
      assert.isAbove(data.rows[0]![0] as number, 0)
    })
  )

  it.effect("filters narrow the rows: a category, a date range, an employee", () =>
    Effect.gen(function* () {
      const all = yield* get("products", "category-share")
      const coffee = yield* get("products", "category-share", { category: "coffee" })
      assert.isAbove(all.rows.length, 1)
      assert.deepStrictEqual(
        coffee.rows.map((r) => r[0]),
        ["coffee"]
      )
      assert.deepStrictEqual(
        coffee.rows[0],
        all.rows.find((r) => r[0] === "coffee")
      )
      const day = utcDay(10)
      const daily = yield* get("shop-overview", "daily-revenue", { from: day, to: day })
      assert.deepStrictEqual(
        daily.rows.map((r) => r[0]),
        [day]
      )
      const everyone = yield* get("staff", "employee-performance")
      const one = yield* get("staff", "employee-performance", { employee_id: 1 })
      assert.isAbove(everyone.rows.length, 1)
      assert.strictEqual(one.rows.length, 1)
    })
  )

  it.effect("every card answers 200 whatever filters are set (each optional clause renders)", () =>
    Effect.gen(function* () {
      const filters = fc.record(
        {
          from: fc.integer({ min: 3, max: 20 }).map(utcDay),
          to: fc.integer({ min: 0, max: 3 }).map(utcDay),
          category: fc.constantFrom("coffee", "tea", "pastry", "food", "other"),
          employee_id: fc.integer({ min: 1, max: 1_000_000 })
        },
        { requiredKeys: [] }
      )
      const samples = fc.sample(fc.tuple(fc.constantFrom(...cards), filters), { numRuns: 60, seed: 7 })
      for (const [{ dashboard, card }, f] of samples) yield* get(dashboard, card.slug, f)
    })
  )

  it.effect("bad filters are 400 naming the field; unknown dashboards and cards 404", () =>
    Effect.gen(function* () {
      const cases: Array<[Record<string, string>, string]> = [
        [{ from: "2026-13-01" }, "from"],
        [{ to: "yesterday" }, "to"],
        [{ category: "beer" }, "category"],
        [{ employee_id: "abc" }, "employee_id"],
        [{ employee_id: "-3" }, "employee_id"]
      ]
      for (const [filters, field] of cases) {
        const res = yield* send(cardUrl("products", "product-ranking", filters))
        assert.strictEqual(res.status, 400, res.text)
        assert.include(res.json.message, field)
      }
      const reversed = yield* send(cardUrl("products", "product-ranking", { from: "2026-11-20", to: "2026-11-10" }))
      assert.strictEqual(reversed.status, 400)
      assert.include(reversed.json.message, "from")
      const noDashboard = yield* send("/dashboards/nope/cards/revenue-today")
      assert.strictEqual(noDashboard.status, 404)
      assert.include(noDashboard.json.message, "shop-overview")
      const noCard = yield* send("/dashboards/shop-overview/cards/nope")
      assert.strictEqual(noCard.status, 404)
      assert.include(noCard.json.message, "revenue-today")
    })
  )
})
