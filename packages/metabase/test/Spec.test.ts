import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { loadModels } from "@brewlytics/warehouse/ModelGraph.ts"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { dashboards } from "../src/dashboards/All.ts"
import {
  type FilterValues,
  model,
  optional,
  type Part,
  type Query,
  q,
  slot,
  source,
  toBound,
  toNative
} from "../src/Query.ts"
import { GRID_COLUMNS } from "../src/Spec.ts"

const sales = source("fact_sales", ["date_id", "total", "product_dim_id"], "f")
const daily = model("marts", "mart_daily_sales", { columns: { date: {}, revenue: {} } }, "m")

const example = q`SELECT ${daily.c.date}, sum(${daily.c.revenue}) FROM ${daily} WHERE true ${optional`AND ${daily.c.date} >= ${slot.from}`} ${optional`AND ${daily.c.date} <= ${slot.to}`} GROUP BY 1`

/** Every part of a query, optional clauses opened. */
const atoms = (query: Query): ReadonlyArray<Part> =>
  query.parts.flatMap((p) => (typeof p !== "string" && p._tag === "Optional" ? p.parts : [p]))

const relationsOf = (query: Query) =>
  atoms(query).flatMap((p) => (typeof p !== "string" && p._tag === "Relation" ? [p.relation] : []))

const columnsOf = (query: Query) =>
  atoms(query).flatMap((p) => (typeof p !== "string" && p._tag === "Column" ? [[p.relation, p.column] as const] : []))

const allCards = dashboards.flatMap((d) => d.cards.map((card) => ({ dashboard: d, card })))

describe("the spec's two renderings", () => {
  it("Metabase: slots as template tags, optional clauses in [[ ]]", () => {
    assert.strictEqual(
      toNative(example),
      "SELECT m.date, sum(m.revenue) FROM marts.mart_daily_sales m WHERE true [[AND m.date >= {{from}}]] [[AND m.date <= {{to}}]] GROUP BY 1"
    )
  })

  it("API: values bound and cast; a clause whose filter is absent is left out", () => {
    const { strings, values } = toBound(example, { to: "2026-11-20" })
    assert.deepStrictEqual(values, ["2026-11-20"])
    assert.strictEqual(
      strings.join("$"),
      "SELECT m.date, sum(m.revenue) FROM marts.mart_daily_sales m WHERE true  AND m.date <= $::date GROUP BY 1"
    )
  })

  it("never writes a filter value into the SQL text, whatever the values (property)", () => {
    const query = q`SELECT ${sales.c.total} FROM ${sales} WHERE ${sales.c.date_id} > 0
      ${optional`AND ${sales.c.date_id} >= to_char(${slot.from}, 'YYYYMMDD')::int`}
      ${optional`AND ${sales.c.product_dim_id} IN (SELECT id FROM dim_product WHERE category = ${slot.category})`}
      ${optional`AND ${sales.c.product_dim_id} = ${slot.employee_id} AND ${slot.category} <> ''`}`
    fc.assert(
      fc.property(
        fc.record(
          {
            from: fc.string({ minLength: 1 }).map((s) => `from:${s}`),
            category: fc.string({ minLength: 1 }).map((s) => `cat:'; DROP TABLE fact_sales; --${s}`),
            employee_id: fc.integer({ min: 1 })
          },
          { requiredKeys: [] }
        ),
        (filters: FilterValues) => {
          const { strings, values } = toBound(query, filters)
          assert.strictEqual(strings.length, values.length + 1)
          const text = strings.join("")
          for (const v of values) if (typeof v === "string") assert.notInclude(text, v)
          const expected =
            (filters.from !== undefined ? 1 : 0) +
            (filters.category !== undefined ? 1 : 0) +
            (filters.employee_id !== undefined && filters.category !== undefined ? 2 : 0)
          assert.strictEqual(values.length, expected)
          assert.strictEqual(text.includes("category ="), filters.category !== undefined)
        }
      )
    )
  })
})

describe("the dashboards", () => {
  it("slugs are unique: dashboards, and cards within each", () => {
    const slugs = dashboards.map((d) => d.slug)
    assert.strictEqual(new Set(slugs).size, slugs.length)
    for (const d of dashboards) assert.strictEqual(new Set(d.cards.map((c) => c.slug)).size, d.cards.length, d.slug)
  })

  it("each card fits the 24-column grid and overlaps no other", () => {
    for (const d of dashboards) {
      const taken = new Map<string, string>()
      for (const c of d.cards) {
        const { col, row, sizeX, sizeY } = c.layout
        assert.isTrue(col >= 0 && sizeX > 0 && col + sizeX <= GRID_COLUMNS && row >= 0 && sizeY > 0, c.slug)
        for (let x = col; x < col + sizeX; x++) {
          for (let y = row; y < row + sizeY; y++) {
            const other = taken.get(`${x},${y}`)
            assert.isUndefined(other, `${d.slug}: ${c.slug} overlaps ${other}`)
            taken.set(`${x},${y}`, c.slug)
          }
        }
      }
    }
  })

  it("the visualization names only the card's columns; what each display needs is there", () => {
    for (const { card } of allCards) {
      const names = new Set(card.columns.map((c) => c.name))
      const v = card.visualization
      for (const name of [v.x, v.series, v.comparison, ...(v.y ?? [])]) {
        if (name !== undefined) assert.isTrue(names.has(name), `${card.slug}: ${name}`)
      }
      if (card.display === "scalar") assert.strictEqual(v.y?.length, 1, card.slug)
      if (["line", "bar", "row", "pie", "heatmap"].includes(card.display)) {
        assert.isDefined(v.x, card.slug)
        assert.isAbove(v.y?.length ?? 0, 0, card.slug)
      }
      if (card.display === "heatmap") assert.isDefined(v.series, card.slug)
    }
  })

  it("every optional clause holds a filter slot (Metabase drops [[ ]] only by its tags); a dashboard offers its cards' filters", () => {
    for (const { dashboard, card } of allCards) {
      for (const part of card.query.parts) {
        // A filter left empty means "all": every slot sits in an optional clause.
        assert.isFalse(typeof part !== "string" && part._tag === "Slot", `${card.slug}: a slot outside [[ ]]`)
        if (typeof part !== "string" && part._tag === "Optional") {
          assert.isTrue(
            part.parts.some((p) => typeof p !== "string" && p._tag === "Slot"),
            card.slug
          )
        }
      }
      for (const f of card.filters) assert.include(dashboard.filters, f, `${dashboard.slug}/${card.slug}`)
    }
  })

  it.effect("every model a card reads exists, in its layer", () =>
    Effect.gen(function* () {
      const graph = yield* loadModels()
      const known = new Set([...graph.models.values()].map((m) => m.relation))
      for (const { card } of allCards) {
        for (const relation of relationsOf(card.query)) {
          if (relation.includes(".")) assert.isTrue(known.has(relation), `${card.slug}: ${relation}`)
        }
      }
    })
  )
})

layer(TestDatabases)("the tables outside the models", (it) => {
  it.effect("every star-schema and pipeline column a card names exists in the migrated warehouse", () =>
    Effect.gen(function* () {
      const sql = yield* OlapSql
      const rows = yield* sql<{ table_name: string; column_name: string }>`
        SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'`
      const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`))
      let checked = 0
      for (const { card } of allCards) {
        for (const [relation, column] of columnsOf(card.query)) {
          if (relation.includes(".")) continue
          assert.isTrue(present.has(`${relation}.${column}`), `${card.slug}: ${relation}.${column}`)
          checked++
        }
      }
      assert.isAbove(checked, 20)
    })
  )
})
