import { OlapSql } from "@brewlytics/db/Databases.ts"
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { type RunReport, runGraph } from "../src/Builder.ts"
import { loadModels, type ModelGraph } from "../src/ModelGraph.ts"
import { seedStar } from "./star.ts"

// What the per-mart tests share: the hand-computed shop of ./star.ts built
// into every model, and ways to read and compare what was built.

export const quiet = () => Effect.void

export const buildAll = Effect.gen(function* () {
  const sql = yield* OlapSql
  yield* seedStar(sql)
  const graph = yield* loadModels()
  yield* runGraph(sql, graph, graph.order, { incremental: false, onProgress: quiet })
  return { sql, graph }
})

export const rows = (statement: string) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    return yield* sql.unsafe<Record<string, unknown>>(statement)
  })

/** Every built model's rows (staging views aside), as sorted JSON lines: equal snapshots mean equal models. */
export const snapshot = (graph: ModelGraph) =>
  Effect.forEach(
    graph.order.filter((n) => graph.models.get(n)!.layer !== "staging"),
    (name) =>
      rows(`SELECT * FROM ${graph.models.get(name)!.relation}`).pipe(
        Effect.map(
          (r) =>
            [
              name,
              r
                .map((row) => JSON.stringify(row, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
                .sort()
                .join("\n")
            ] as const
        )
      )
  )

/** Asserts that the models as built now equal a full rebuild of them (which it leaves in place). */
export const assertEqualsFullRebuild = (graph: ModelGraph) =>
  Effect.gen(function* () {
    const incremental = yield* snapshot(graph)
    yield* runGraph(yield* OlapSql, graph, graph.order, { incremental: false, onProgress: quiet })
    const full = yield* snapshot(graph)
    for (const [i, [name, value]] of incremental.entries()) assert.strictEqual(value, full[i]![1], name)
  })

export const modes = (report: RunReport) => Object.fromEntries(report.built.map((b) => [b.model, b.mode]))
