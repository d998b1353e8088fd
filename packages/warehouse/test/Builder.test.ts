import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { runGraph, testGraph } from "../src/Builder.ts"
import { loadModels, select } from "../src/ModelGraph.ts"
import { declare, type FixtureModel, resetModelSchemas, writeProject } from "./fixtures.ts"

const quiet = { onProgress: () => Effect.void }

const setup = (models: Record<string, FixtureModel>) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    yield* resetModelSchemas(sql)
    yield* sql`DROP TABLE IF EXISTS events`
    yield* sql`CREATE TABLE events (id int PRIMARY KEY, day date NOT NULL, amount numeric(12,2) NOT NULL, kind text)`
    const graph = yield* loadModels(yield* writeProject(models))
    const run = (options: { incremental?: boolean; select?: ReadonlyArray<string> } = {}) =>
      select(graph, options.select ?? []).pipe(
        Effect.flatMap((names) =>
          runGraph(sql, graph, names, { ...quiet, ...(options.incremental === undefined ? {} : options) })
        )
      )
    return { sql, graph, run }
  })

const daily: Record<string, FixtureModel> = {
  "staging/stg_events": {
    sql: `SELECT id, day, amount, kind FROM {{source "events"}}`,
    declaration: declare("view", { id: ["unique", "not_null"], day: [], amount: [], kind: [] })
  },
  "marts/mart_daily": {
    sql: `SELECT day, sum(amount) AS revenue, count(*)::int AS events
          FROM {{ref "stg_events"}}
          {{#if incremental}}WHERE day >= (SELECT max(day) - 1 FROM {{self}}){{/if}}
          GROUP BY day`,
    declaration: declare(
      "incremental",
      { day: ["unique", "not_null"], revenue: ["not_null"], events: [] },
      { uniqueKey: ["day"] }
    )
  },
  "marts/mart_total": {
    sql: `SELECT sum(revenue) AS revenue FROM {{ref "mart_daily"}}`,
    declaration: declare("table", { revenue: [] })
  },
  "marts/mart_total_view": {
    sql: `SELECT revenue * 2 AS doubled FROM {{ref "mart_total"}}`,
    declaration: declare("view", { doubled: [] })
  }
}

const insertEvents = (rows: ReadonlyArray<{ id: number; day: string; amount: string }>) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    if (rows.length === 0) return
    yield* sql`INSERT INTO events (id, day, amount)
      SELECT * FROM unnest(${rows.map((r) => r.id)}::int[], ${rows.map((r) => r.day)}::date[], ${rows.map(
        (r) => r.amount
      )}::numeric[])`
  })

const dailyRows = Effect.gen(function* () {
  const sql = yield* OlapSql
  return yield* sql<{ day: string; revenue: string; events: number }>`
    SELECT day::text, revenue::text, events FROM marts.mart_daily ORDER BY day`
})

layer(TestDatabases)("Builder", (it) => {
  it.effect("builds views, tables and incremental tables in dependency order, with row counts", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup(daily)
      yield* insertEvents([
        { id: 1, day: "2026-01-01", amount: "2.50" },
        { id: 2, day: "2026-01-01", amount: "3.10" },
        { id: 3, day: "2026-01-02", amount: "4.00" }
      ])
      const report = yield* run()
      assert.deepStrictEqual(
        report.built.map((b) => [b.model, b.mode, b.rows]),
        [
          ["stg_events", "view", null],
          ["mart_daily", "full", 2],
          ["mart_total", "full", 1],
          ["mart_total_view", "view", null]
        ]
      )
      const kinds = yield* sql<{ relname: string; relkind: string }>`
        SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('staging', 'marts') AND c.relkind IN ('r', 'v') ORDER BY 1`
      assert.deepStrictEqual(
        kinds.map((k) => [k.relname, k.relkind]),
        [
          ["mart_daily", "r"],
          ["mart_total", "r"],
          ["mart_total_view", "v"],
          ["stg_events", "v"]
        ]
      )
      assert.deepStrictEqual(yield* dailyRows, [
        { day: "2026-01-01", revenue: "5.60", events: 2 },
        { day: "2026-01-02", revenue: "4.00", events: 1 }
      ])
      const history = yield* sql<{
        n: number
      }>`SELECT count(*)::int AS n FROM warehouse_model_runs WHERE status = 'success'`
      assert.isAtLeast(history[0]!.n, 4)
    })
  )

  it.effect("a declared covering index is built with its carried columns, and a date range reads only it", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup({
        "marts/mart_days": {
          sql: `SELECT id, day, amount FROM {{source "events"}}`,
          declaration: declare(
            "table",
            { id: [], day: [], amount: [] },
            { indexes: [["id"], { columns: ["day"], include: ["amount"] }] }
          )
        }
      })
      yield* insertEvents(
        Array.from({ length: 400 }, (_, i) => ({
          id: i + 1,
          day: `2026-03-${String(1 + (i % 28)).padStart(2, "0")}`,
          amount: "2.50"
        }))
      )
      yield* run()
      const indexes = yield* sql<{ def: string }>`
        SELECT indexdef AS def FROM pg_indexes WHERE schemaname = 'marts' AND tablename = 'mart_days' ORDER BY indexdef`
      assert.deepStrictEqual(
        indexes.map((i) => i.def.replace(/^.* USING /, "")),
        ["btree (day) INCLUDE (amount)", "btree (id)"]
      )
      yield* sql`VACUUM marts.mart_days`
      const plan = yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* sql`SET LOCAL enable_seqscan = off`
          yield* sql`SET LOCAL enable_bitmapscan = off`
          return yield* sql<{ "QUERY PLAN": string }>`
            EXPLAIN SELECT sum(amount) FROM marts.mart_days WHERE day BETWEEN '2026-03-02' AND '2026-03-05'`
        })
      )
      assert.match(plan.map((l) => l["QUERY PLAN"]).join("\n"), /Index Only Scan using \w+ on mart_days/)
      // Vacuumed soon after changes, so the visibility map those scans need stays current.
      const [options] = yield* sql<{ options: ReadonlyArray<string> }>`
        SELECT reloptions AS options FROM pg_class WHERE oid = 'marts.mart_days'::regclass`
      assert.includeMembers(
        [...options!.options],
        ["autovacuum_vacuum_scale_factor=0.01", "autovacuum_vacuum_insert_scale_factor=0.01"]
      )
    })
  )

  it.effect("an incremental run merges only the new slice; running it twice equals running it once", () =>
    Effect.gen(function* () {
      const { run } = yield* setup(daily)
      yield* insertEvents([
        { id: 1, day: "2026-01-01", amount: "1.00" },
        { id: 2, day: "2026-01-05", amount: "2.00" }
      ])
      yield* run()
      yield* insertEvents([
        { id: 3, day: "2026-01-05", amount: "5.00" },
        { id: 4, day: "2026-01-06", amount: "7.00" }
      ])
      const first = yield* run()
      // The slice is the last day already built (late rows) and after: 01-05 and 01-06, not 01-01.
      assert.strictEqual(first.built.find((b) => b.model === "mart_daily")!.rows, 2)
      const once = yield* dailyRows
      const second = yield* run()
      assert.strictEqual(second.built.find((b) => b.model === "mart_daily")!.mode, "incremental")
      assert.deepStrictEqual(yield* dailyRows, once)
      assert.deepStrictEqual(once, [
        { day: "2026-01-01", revenue: "1.00", events: 1 },
        { day: "2026-01-05", revenue: "7.00", events: 2 },
        { day: "2026-01-06", revenue: "7.00", events: 1 }
      ])
    })
  )

  it.effect("an incremental table built before its columns changed is rebuilt in full, not topped up", () =>
    Effect.gen(function* () {
      const { run } = yield* setup(daily)
      yield* insertEvents([{ id: 1, day: "2026-01-01", amount: "1.00" }])
      yield* run()
      const widened = yield* loadModels(
        yield* writeProject({
          ...daily,
          "marts/mart_daily": {
            sql: `SELECT day, sum(amount) AS revenue, count(*)::int AS events, max(amount) AS largest
                  FROM {{ref "stg_events"}}
                  {{#if incremental}}WHERE day >= (SELECT max(day) - 1 FROM {{self}}){{/if}}
                  GROUP BY day`,
            declaration: declare(
              "incremental",
              { day: ["unique", "not_null"], revenue: ["not_null"], events: [], largest: [] },
              { uniqueKey: ["day"] }
            )
          }
        })
      )
      const report = yield* runGraph(yield* OlapSql, widened, ["stg_events", "mart_daily"], {
        ...quiet,
        incremental: true
      })
      assert.strictEqual(report.built.find((b) => b.model === "mart_daily")!.mode, "full")
      assert.deepStrictEqual(
        yield* (yield* OlapSql)`SELECT day::text, revenue::text, events, largest::text FROM marts.mart_daily`,
        [{ day: "2026-01-01", revenue: "1.00", events: 1, largest: "1.00" }]
      )
    })
  )

  it.effect(
    "property: after any sequence of loads, incremental builds equal a full rebuild",
    () =>
      Effect.gen(function* () {
        const { run } = yield* setup(daily)
        // Batch i lands on days 2i … 2i+2: never older than the model's one-day lookback.
        const batches = fc.array(
          fc.array(fc.record({ offset: fc.integer({ min: 0, max: 2 }), cents: fc.integer({ min: 1, max: 99_999 }) }), {
            maxLength: 6
          }),
          { minLength: 1, maxLength: 5 }
        )
        const cases = fc.sample(batches, { numRuns: 6, seed: 20261125 })
        let id = 0
        for (const batchesOfCase of cases) {
          const sql = yield* OlapSql
          yield* sql`TRUNCATE events`
          yield* run({ incremental: false })
          for (const [i, batch] of batchesOfCase.entries()) {
            yield* insertEvents(
              batch.map((e) => ({
                id: ++id,
                day: new Date(Date.UTC(2026, 0, 1 + 2 * i + e.offset)).toISOString().slice(0, 10),
                amount: (e.cents / 100).toFixed(2)
              }))
            )
            yield* run({ incremental: true })
          }
          const incremental = yield* dailyRows
          yield* run({ incremental: false })
          assert.deepStrictEqual(incremental, yield* dailyRows)
        }
      }),
    { timeout: 120_000 }
  )

  it.effect("rebuilding a table rebuilds the views over it, which its CASCADE dropped", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup(daily)
      yield* insertEvents([{ id: 1, day: "2026-01-01", amount: "1.25" }])
      yield* run()
      const report = yield* run({ select: ["mart_total"] })
      assert.deepStrictEqual(
        report.built.map((b) => b.model),
        ["mart_total", "mart_total_view"]
      )
      const rows = yield* sql<{ doubled: string }>`SELECT doubled::text FROM marts.mart_total_view`
      assert.strictEqual(rows[0]!.doubled, "2.50")
    })
  )

  it.effect("a failing test keeps the old version published, skips dependents, and names model, test and rows", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup({
        ...daily,
        "marts/mart_total": {
          sql: `SELECT sum(revenue) AS revenue FROM {{ref "mart_daily"}}`,
          declaration: declare(
            "table",
            { revenue: [] },
            { tests: [{ name: "revenue_below_100", sql: "SELECT * FROM {{self}} WHERE revenue >= 100" }] }
          )
        }
      })
      yield* insertEvents([{ id: 1, day: "2026-01-01", amount: "10.00" }])
      yield* run()
      yield* insertEvents([{ id: 2, day: "2026-01-02", amount: "95.00" }])
      const error = yield* Effect.flip(run())
      assert.strictEqual(error.reason._tag, "BuildFailed")
      assert.match(
        error.message,
        /mart_total: not published, a test failed: mart_total › revenue_below_100: 1 offending row/
      )
      assert.match(error.message, /"revenue":"105.00"/)
      assert.match(error.message, /1 skipped/)
      // Readers still see the last good version.
      const published = yield* sql<{ revenue: string }>`SELECT revenue::text FROM marts.mart_total`
      assert.strictEqual(published[0]!.revenue, "10.00")
      const skipped = yield* sql<{ model: string }>`
        SELECT model FROM warehouse_model_runs WHERE status = 'skipped' ORDER BY id DESC LIMIT 1`
      assert.strictEqual(skipped[0]!.model, "mart_total_view")
    })
  )

  it.effect("an incremental top-up is tested on its new slice, and a bad slice is not merged", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup({
        "marts/mart_kinds": {
          sql: `SELECT day, max(kind) AS kind FROM {{source "events"}}
                {{#if incremental}}WHERE day >= (SELECT max(day) FROM {{self}}){{/if}} GROUP BY day`,
          declaration: declare(
            "incremental",
            { day: ["not_null"], kind: ["not_null", { accepted_values: ["a", "b"] }] },
            { uniqueKey: ["day"] }
          )
        }
      })
      yield* sql`INSERT INTO events VALUES (1, '2026-01-01', 1, 'a')`
      yield* run()
      yield* sql`INSERT INTO events VALUES (2, '2026-01-02', 1, 'z')`
      const error = yield* Effect.flip(run())
      assert.match(error.message, /mart_kinds › accepted_values\(kind: a, b\): 1 offending row/)
      assert.match(error.message, /"kind":"z"/)
      const published = yield* sql<{ day: string }>`SELECT day::text FROM marts.mart_kinds ORDER BY day`
      assert.deepStrictEqual(
        published.map((r) => r.day),
        ["2026-01-01"]
      )
    })
  )

  it.effect("a warn-severity failure is reported but does not stop publication", () =>
    Effect.gen(function* () {
      const { sql, run } = yield* setup({
        ...daily,
        "marts/mart_total": {
          sql: `SELECT sum(revenue) AS revenue FROM {{ref "mart_daily"}}`,
          declaration: declare(
            "table",
            { revenue: [] },
            { tests: [{ name: "revenue_below_1", sql: "SELECT * FROM {{self}} WHERE revenue >= 1", severity: "warn" }] }
          )
        }
      })
      yield* insertEvents([{ id: 1, day: "2026-01-01", amount: "10.00" }])
      const report = yield* run()
      const total = report.built.find((b) => b.model === "mart_total")!
      assert.strictEqual(total.warnings.length, 1)
      assert.strictEqual(total.warnings[0]!.test, "revenue_below_1")
      const published = yield* sql<{ revenue: string }>`SELECT revenue::text FROM marts.mart_total`
      assert.strictEqual(published[0]!.revenue, "10.00")
    })
  )

  it.effect("a model whose SQL fails names its file and the database's reason, and skips its dependents", () =>
    Effect.gen(function* () {
      const { run } = yield* setup({
        "intermediate/int_broken": {
          sql: 'SELECT nope FROM {{source "events"}}',
          declaration: declare("table", { nope: [] })
        },
        "marts/mart_after": { sql: `SELECT * FROM {{ref "int_broken"}}`, declaration: declare("table", { nope: [] }) }
      })
      const error = yield* Effect.flip(run())
      assert.match(error.message, /int_broken\.sql failed to build: column "nope" does not exist/)
      assert.match(error.message, /1 model\(s\) failed, 1 skipped/)
    })
  )

  it.effect("SQL and declaration disagreeing on columns is an error naming both files", () =>
    Effect.gen(function* () {
      const { run } = yield* setup({
        "marts/mart_bad": {
          sql: `SELECT 1 AS id, 2 AS extra`,
          declaration: declare("table", { id: [], missing: [] })
        }
      })
      const error = yield* Effect.flip(run())
      assert.match(error.message, /Built but not declared in .*mart_bad\.ts: extra/)
      assert.match(error.message, /Declared but not built by .*mart_bad\.sql: missing/)
    })
  )

  it.effect("each generic test and a custom test fail on data that breaks them", () =>
    Effect.gen(function* () {
      const { sql, graph } = yield* setup({
        "marts/mart_parent": {
          sql: "SELECT * FROM (VALUES (1), (2)) AS t(id)",
          declaration: declare("table", { id: ["unique"] })
        },
        "marts/mart_checked": {
          sql: `SELECT * FROM (VALUES (1, 'a', 'cash', 1), (1, 'a', 'card', 2), (2, NULL, 'cheque', 3)) AS t(id, label, method, parent_id)`,
          declaration: declare(
            "table",
            {
              id: ["unique"],
              label: ["not_null"],
              method: [{ accepted_values: ["cash", "card", "mobile"] }],
              parent_id: [{ relationships: { to: "mart_parent", field: "id" } }]
            },
            {
              tests: [
                { unique_combination: ["id", "label"] },
                { name: "no_id_two", sql: "SELECT * FROM {{self}} WHERE id = 2" }
              ]
            }
          )
        }
      })
      yield* runGraph(sql, graph, graph.order, { ...quiet, gate: false })
      const results = yield* testGraph(sql, graph, ["mart_parent", "mart_checked"], () => Effect.void)
      const parent = results.filter((r) => r.model === "mart_parent")
      assert.deepStrictEqual(
        parent.map((r) => [r.test, r.failures]),
        [["unique(id)", 0]]
      )
      const checked = results.filter((r) => r.model === "mart_checked")
      const failing = Object.fromEntries(checked.map((r) => [r.test, [r.failures, r.sample]]))
      assert.deepStrictEqual(failing["unique(id)"], [1, [{ id: 1, occurrences: 2 }]])
      assert.deepStrictEqual(failing["not_null(label)"], [1, [{ id: 2, label: null, method: "cheque", parent_id: 3 }]])
      assert.deepStrictEqual(failing["accepted_values(method: cash, card, mobile)"], [
        1,
        [{ method: "cheque", occurrences: 1 }]
      ])
      assert.deepStrictEqual(failing["relationships(parent_id → mart_parent.id)"], [
        1,
        [{ parent_id: 3, occurrences: 1 }]
      ])
      assert.deepStrictEqual(failing["unique_combination(id, label)"], [1, [{ id: 1, label: "a", occurrences: 2 }]])
      assert.strictEqual((failing.no_id_two as [number, unknown])[0], 1)
    })
  )
})
