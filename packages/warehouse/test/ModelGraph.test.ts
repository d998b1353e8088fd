import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { docsPage } from "../src/Docs.ts"
import { loadModels, MODELS_DIR, mermaid, select } from "../src/ModelGraph.ts"
import { declare, writeProject } from "./fixtures.ts"

const chain = {
  "staging/stg_a": { sql: `SELECT id FROM {{source "events"}}`, declaration: declare("view", { id: [] }) },
  "intermediate/int_b": { sql: `SELECT id FROM {{ref "stg_a"}}`, declaration: declare("table", { id: [] }) },
  "intermediate/int_side": { sql: `SELECT 1 AS id`, declaration: declare("table", { id: [] }) },
  "marts/mart_c": {
    sql: `SELECT b.id FROM {{ref "int_b"}} b JOIN {{ref "int_side"}} s USING (id)
          {{#if incremental}}WHERE b.id > (SELECT max(id) FROM {{self}}){{/if}}`,
    declaration: declare("incremental", { id: [] }, { uniqueKey: ["id"] })
  }
}

describe("ModelGraph", () => {
  it.effect("resolves refs and sources into a dependency order, and renders Mermaid lineage", () =>
    Effect.gen(function* () {
      const graph = yield* loadModels(yield* writeProject(chain))
      const order = graph.order
      assert.isBelow(order.indexOf("stg_a"), order.indexOf("int_b"))
      assert.isBelow(order.indexOf("int_b"), order.indexOf("mart_c"))
      assert.isBelow(order.indexOf("int_side"), order.indexOf("mart_c"))
      assert.deepStrictEqual(graph.models.get("mart_c")!.refs, ["int_b", "int_side"])
      assert.deepStrictEqual(graph.models.get("stg_a")!.sources, ["events"])
      assert.strictEqual(graph.models.get("mart_c")!.relation, "marts.mart_c")
      const chart = mermaid(graph)
      assert.include(chart, "src_events --> stg_a")
      assert.include(chart, "int_b --> mart_c")
      assert.include(chart, "subgraph marts")
    }).pipe(Effect.scoped)
  )

  it.effect("selects a model with its descendants (m+) or ancestors (+m), in build order", () =>
    Effect.gen(function* () {
      const graph = yield* loadModels(yield* writeProject(chain))
      assert.deepStrictEqual(yield* select(graph, ["int_b+"]), ["int_b", "mart_c"])
      assert.deepStrictEqual([...(yield* select(graph, ["+mart_c"]))].sort(), ["int_b", "int_side", "mart_c", "stg_a"])
      assert.deepStrictEqual(yield* select(graph, ["int_side"]), ["int_side"])
      const error = yield* Effect.flip(select(graph, ["nope+"]))
      assert.strictEqual(error.reason._tag, "UnknownSelector")
      assert.match(error.message, /no model nope/)
    }).pipe(Effect.scoped)
  )

  it.effect("the docs page shows every model's grain, columns, tests and the lineage", () =>
    Effect.gen(function* () {
      const graph = yield* loadModels(MODELS_DIR)
      const page = docsPage(graph)
      for (const model of graph.models.values()) {
        assert.include(page, `<section id="${model.name}">`)
        assert.include(page, model.declaration.grain.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"))
      }
      assert.include(page, "relationships → source:dim_date.id")
      assert.include(page, "int_sales_hourly --&gt; mart_daily_sales")
    }).pipe(Effect.scoped)
  )

  it.effect("a missing ref is an error naming the file that refers to it", () =>
    Effect.gen(function* () {
      const dir = yield* writeProject({
        "staging/stg_a": { sql: "SELECT 1 AS id", declaration: declare("view", { id: [] }) },
        "marts/mart_x": { sql: `SELECT * FROM {{ref "stg_aa"}}`, declaration: declare("table", { id: [] }) }
      })
      const error = yield* Effect.flip(loadModels(dir))
      assert.strictEqual(error.reason._tag, "MissingRef")
      assert.match(error.message, /marts\/mart_x\.sql refers to \{\{ref "stg_aa"\}\}/)
      assert.match(error.message, /did you mean stg_a/)
    }).pipe(Effect.scoped)
  )

  it.effect("a cycle is an error naming every file in it", () =>
    Effect.gen(function* () {
      const dir = yield* writeProject({
        "intermediate/int_x": { sql: `SELECT * FROM {{ref "int_y"}}`, declaration: declare("table", { id: [] }) },
        "intermediate/int_y": {
          sql: `SELECT * FROM {{ref "int_z"}}{{#if incremental}} JOIN {{ref "int_x"}} USING (id){{/if}}`,
          declaration: declare("table", { id: [] })
        },
        "intermediate/int_z": { sql: `SELECT 1 AS id`, declaration: declare("table", { id: [] }) }
      })
      const error = yield* Effect.flip(loadModels(dir))
      assert.strictEqual(error.reason._tag, "Cycle")
      assert.match(error.message, /int_x → int_y → int_x/)
      assert.match(error.message, /int_x\.sql/)
      assert.match(error.message, /int_y\.sql/)
    }).pipe(Effect.scoped)
  )

  it.effect("a declaration that does not fit the schema is refused, naming the file", () =>
    Effect.gen(function* () {
      const wrongKind = yield* writeProject({
        "marts/mart_a": {
          sql: "SELECT 1 AS id",
          declaration: { ...declare("table", { id: [] }), materialized: "tabel" }
        }
      })
      const e1 = yield* Effect.flip(loadModels(wrongKind))
      assert.strictEqual(e1.reason._tag, "BadDeclaration")
      assert.match(e1.message, /mart_a\.ts must/)
      const noKey = yield* writeProject({
        "marts/mart_a": { sql: "SELECT 1 AS id", declaration: declare("incremental", { id: [] }) }
      })
      const e2 = yield* Effect.flip(loadModels(noKey))
      assert.match(e2.message, /mart_a\.ts: an incremental model needs a uniqueKey/)
      const unknownColumn = yield* writeProject({
        "marts/mart_a": {
          sql: "SELECT 1 AS id",
          declaration: declare("table", { id: [] }, { tests: [{ unique_combination: ["id", "day"] }] })
        }
      })
      const e3 = yield* Effect.flip(loadModels(unknownColumn))
      assert.match(e3.message, /names column\(s\) day/)
      const unknownCarried = yield* writeProject({
        "marts/mart_a": {
          sql: "SELECT 1 AS id",
          declaration: declare("table", { id: [] }, { indexes: [{ columns: ["id"], include: ["revenue"] }] })
        }
      })
      const e4 = yield* Effect.flip(loadModels(unknownCarried))
      assert.match(e4.message, /names column\(s\) revenue/)
    }).pipe(Effect.scoped)
  )
})
