import { textArray } from "@brewlytics/db/SqlArrays.ts"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { Model, Severity } from "./Model.ts"
import type { ModelGraph } from "./ModelGraph.ts"
import { renderTemplate, SOURCE_SCHEMA } from "./Template.ts"

/** One data test, compiled to a query that returns the offending rows (none: it passes). */
export interface CompiledTest {
  readonly model: string
  readonly name: string
  readonly severity: Severity
  readonly sql: string
  readonly params: ReadonlyArray<unknown>
}

export interface TestResult {
  readonly model: string
  readonly test: string
  readonly severity: Severity
  readonly failures: number
  /** Up to five offending rows, to show what is wrong. */
  readonly sample: ReadonlyArray<Record<string, unknown>>
}

/** A template may end in `;` or a comment: strip the one, and callers wrap with newlines for the other. */
export const stripSemicolon = (sql: string) => sql.trim().replace(/;+\s*$/, "")

export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

/** Resolves a test's `to` (a model name, or `source:<table>`) to a relation. */
const relationOf = (graph: ModelGraph, to: string) =>
  to.startsWith("source:") ? `${SOURCE_SCHEMA}.${to.slice("source:".length)}` : (graph.models.get(to)?.relation ?? to)

type ColumnTest = NonNullable<Model["declaration"]["columns"][string]["tests"]>[number]
type ModelTest = NonNullable<Model["declaration"]["tests"]>[number]

/** One column test: `unique` and the row-wise ones (which read `rowsFrom`). */
const columnTest = (
  graph: ModelGraph,
  model: Model,
  column: string,
  test: ColumnTest,
  rowsFrom: string
): CompiledTest => {
  const c = ident(column)
  const base = { model: model.name, params: [] }
  if (test === "unique") {
    return {
      ...base,
      name: `unique(${column})`,
      severity: "error",
      sql: `SELECT ${c}, count(*)::int AS occurrences FROM ${model.relation} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1`
    }
  }
  if (test === "not_null") {
    return {
      ...base,
      name: `not_null(${column})`,
      severity: "error",
      sql: `SELECT * FROM ${rowsFrom} WHERE ${c} IS NULL`
    }
  }
  if ("accepted_values" in test) {
    return {
      ...base,
      name: `accepted_values(${column}: ${test.accepted_values.join(", ")})`,
      severity: test.severity ?? "error",
      sql: `SELECT ${c}, count(*)::int AS occurrences FROM ${rowsFrom} WHERE ${c} IS NOT NULL AND NOT (${c}::text = ANY($1::text[])) GROUP BY ${c}`,
      params: [textArray(test.accepted_values.map(String))]
    }
  }
  const parent = relationOf(graph, test.relationships.to)
  return {
    ...base,
    name: `relationships(${column} → ${test.relationships.to}.${test.relationships.field})`,
    severity: test.severity ?? "error",
    sql: `SELECT c.${c}, count(*)::int AS occurrences FROM ${rowsFrom} c WHERE c.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${parent} p WHERE p.${ident(test.relationships.field)} = c.${c}) GROUP BY c.${c}`
  }
}

/** One whole-model test: `unique_combination` or custom SQL, both over the model itself. */
const modelTest = (graph: ModelGraph, model: Model, test: ModelTest): CompiledTest => {
  const self = model.relation
  if ("unique_combination" in test) {
    const cols = test.unique_combination.map(ident).join(", ")
    return {
      model: model.name,
      name: `unique_combination(${test.unique_combination.join(", ")})`,
      severity: test.severity ?? "error",
      sql: `SELECT ${cols}, count(*)::int AS occurrences FROM ${self} GROUP BY ${cols} HAVING count(*) > 1`,
      params: []
    }
  }
  return {
    model: model.name,
    name: test.name,
    severity: test.severity ?? "error",
    sql: renderTemplate(test.sql, {
      self,
      incremental: false,
      ref: (name) => graph.models.get(name)?.relation ?? name
    }),
    params: []
  }
}

/** The generic tests (`unique`, `not_null`, `accepted_values`, `relationships`, `unique_combination`) and custom SQL. */
export const compileTests = (
  graph: ModelGraph,
  model: Model,
  options: {
    /**
     * Where the row-wise tests (`not_null`, `accepted_values`, `relationships`)
     * look: an incremental top-up checks only its new slice, since the rows it
     * kept were checked when they came in. Whole-table tests (`unique`,
     * `unique_combination`, custom SQL) always read the model itself.
     */
    readonly rowsFrom?: string
  } = {}
): ReadonlyArray<CompiledTest> => [
  ...Object.entries(model.declaration.columns).flatMap(([column, spec]) =>
    (spec.tests ?? []).map((test) => columnTest(graph, model, column, test, options.rowsFrom ?? model.relation))
  ),
  ...(model.declaration.tests ?? []).map((test) => modelTest(graph, model, test))
]

/** Runs one test: how many rows offend, and the first five of them. */
export const runTest = Effect.fn("DataTests.run")(function* (sql: PgClient.PgClient, test: CompiledTest) {
  const rows = yield* sql.unsafe<Record<string, unknown>>(
    `SELECT *, count(*) OVER ()::int AS __failures FROM (\n${stripSemicolon(test.sql)}\n) AS offending LIMIT 5`,
    test.params
  )
  const failures = rows.length === 0 ? 0 : Number(rows[0]!.__failures)
  const sample = rows.map(({ __failures: _, ...row }) => row)
  return {
    model: test.model,
    test: test.name,
    severity: test.severity,
    failures,
    sample
  } satisfies TestResult
})

const show = (value: unknown) =>
  typeof value === "bigint" ? value.toString() : value instanceof Date ? value.toISOString() : value

/** `model › test: 3 offending rows, e.g. {…}`: what a failing test prints. */
export const describeFailure = (result: TestResult) =>
  `${result.model} › ${result.test}: ${result.failures} offending row${result.failures === 1 ? "" : "s"}${
    result.severity === "warn" ? " (warning)" : ""
  }, e.g.\n${result.sample
    .map((row) => `      ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, show(v)])))}`)
    .join("\n")}`

/**
 * How many rows offend each test, in one round trip for all of a model's
 * tests (the gate runs on every build, so its cost is the number of queries).
 */
export const countFailures = Effect.fn("DataTests.count")(function* (
  sql: PgClient.PgClient,
  tests: ReadonlyArray<CompiledTest>
) {
  if (tests.length === 0) return [] as ReadonlyArray<number>
  const params: Array<unknown> = []
  const columns = tests.map((test, i) => {
    const offset = params.length
    params.push(...test.params)
    const body = stripSemicolon(test.sql).replace(/\$(\d+)\b/g, (_, n: string) => `$${Number(n) + offset}`)
    return `(SELECT count(*) FROM (\n${body}\n) AS offending)::int AS f${i}`
  })
  const rows = yield* sql.unsafe<Record<string, number>>(`SELECT ${columns.join(",\n")}`, params)
  return tests.map((_, i) => rows[0]![`f${i}`]!)
})

/** Runs tests: counted together, then the failing ones again for their sample rows. */
export const runTests = Effect.fn("DataTests.runAll")(function* (
  sql: PgClient.PgClient,
  tests: ReadonlyArray<CompiledTest>
) {
  const counts = yield* countFailures(sql, tests)
  const results: Array<TestResult> = []
  for (const [i, test] of tests.entries()) {
    results.push(
      counts[i] === 0
        ? { model: test.model, test: test.name, severity: test.severity, failures: 0, sample: [] }
        : yield* runTest(sql, test)
    )
  }
  return results
})
