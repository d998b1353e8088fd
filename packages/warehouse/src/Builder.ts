import { OlapSql } from "@brewlytics/db/Databases.ts"
import type { PgClient } from "@effect/sql-pg"
import { Clock, Effect } from "effect"
import { type BuildOptions, buildModel, type ModelBuilt } from "./build/BuildModel.ts"
import { changedModels, claimChangedDays, markedTables, upstreamSources } from "./build/ChangedDays.ts"
import { type HistoryEntry, writeHistory } from "./build/History.ts"
import { compileTests, describeFailure, runTests, type TestResult } from "./DataTests.ts"
import { BadSince, BuildFailed, type Model, WarehouseError } from "./Model.ts"
import { loadModels, MODELS_DIR, type ModelGraph, select } from "./ModelGraph.ts"

export interface RunOptions {
  /** dbt selectors (`m`, `m+`, `+m`); none: every model. */
  readonly select?: ReadonlyArray<string>
  /**
   * Recompute incremental slices from this day (yyyymmdd date id) at least.
   * Not needed for changes to the fact tables: their changed days are marked
   * by OLAP V5's triggers and each model rebuilds from the oldest one it has
   * not consumed yet. Models over unmarked tables start here instead of at
   * their fixed lookback.
   */
  readonly since?: number
  /**
   * Only the models that have changed days to consume (and the views, and any
   * model not built yet): what the pipeline runner runs after a load, so a
   * load of sales leaves the payment and inventory models alone.
   */
  readonly changed?: boolean
  /** Claim the triggers' marks first (default); false when the caller claimed them already. */
  readonly claim?: boolean
  /** Top up incremental models that exist (default); false rebuilds them in full. */
  readonly incremental?: boolean
  /** Run each table's tests before it is published, and keep it unpublished on an error (default true). */
  readonly gate?: boolean
  /** Where the models are (tests use their own). */
  readonly dir?: string
  /** Where each model's result line goes (the CLI prints it; the default logs it). */
  readonly onProgress?: (line: string) => Effect.Effect<void>
}

export interface Built {
  readonly model: string
  readonly relation: string
  /** `unchanged`: a view whose SQL is the same, or an incremental model none of whose days changed. */
  readonly mode: "view" | "unchanged" | "full" | "incremental"
  /** Rows in the table (full), rows in the new slice (incremental); views are not counted. */
  readonly rows: number | null
  /** Changed days (per fact table) this build consumed. */
  readonly consumed: number
  readonly ms: number
  readonly warnings: ReadonlyArray<TestResult>
}

export interface RunReport {
  /** Changed days (per fact table) claimed from the triggers' marks at the start of the run. */
  readonly claimed: number
  readonly built: ReadonlyArray<Built>
  readonly failed: ReadonlyArray<{ readonly model: string; readonly message: string }>
  readonly skipped: ReadonlyArray<{ readonly model: string; readonly because: string }>
  readonly ms: number
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))

/** The models a run builds, in dependency order: `names` (or those of them with changes), and the views over them. */
const modelsToRun = Effect.fn("Builder.modelsToRun")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  names: ReadonlyArray<string>,
  changed: boolean
) {
  const waiting = changed ? yield* changedModels(sql, graph, names) : undefined
  // Rebuilding a table drops the views over it (CASCADE), so those views are rebuilt in the same run.
  const chosen = new Set(waiting ?? names)
  for (const name of graph.order) {
    if (chosen.has(name)) continue
    const model = graph.models.get(name)!
    if (model.declaration.materialized === "view" && model.refs.some((r) => chosen.has(r))) chosen.add(name)
  }
  return graph.order.filter((n) => chosen.has(n))
})

/** What became of one model in a run. */
type Outcome =
  | { readonly _tag: "Skipped"; readonly because: string }
  | { readonly _tag: "Built"; readonly built: ModelBuilt }
  | { readonly _tag: "Failed"; readonly message: string }

/** Builds one model, or skips it when a model it refers to was not published; never fails. */
const buildOne = Effect.fn("Builder.buildOne")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  model: Model,
  broken: ReadonlySet<string>,
  options: Omit<BuildOptions, "marked"> & { readonly marked: ReadonlySet<string> }
) {
  const upstream = model.refs.find((r) => broken.has(r))
  if (upstream !== undefined) {
    return { _tag: "Skipped", because: `upstream ${upstream} was not published` } satisfies Outcome
  }
  const marked = upstreamSources(graph, model.name).some((s) => options.marked.has(s))
  const exit = yield* Effect.exit(buildModel(sql, graph, model, { ...options, marked }))
  if (exit._tag === "Success") return { _tag: "Built", built: exit.value } satisfies Outcome
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  const message =
    error !== undefined && error._tag === "Fail"
      ? error.error.message
      : `died: ${exit.cause.reasons.map((r) => String(r)).join("; ")}`
  return { _tag: "Failed", message } satisfies Outcome
})

/** The progress line of one model's outcome (and its warnings). */
const progressLine = (step: string, relation: string, width: number, outcome: Outcome, ms: number) => {
  switch (outcome._tag) {
    case "Skipped":
      return `${step} SKIP ${pad(relation, width)} ${outcome.because}`
    case "Failed":
      return `${step} FAIL ${pad(relation, width)} ${ms} ms\n       ${outcome.message}`
    case "Built": {
      const { mode, rows, warnings } = outcome.built
      const counted = rows === null ? pad("", 12) : pad(`${rows.toLocaleString("en-US")} rows`, 12)
      return [
        `${step} OK   ${pad(relation, width)} ${pad(mode, 11)} ${counted} ${ms} ms`,
        ...warnings.map((w) => `       warn ${describeFailure(w)}`)
      ].join("\n")
    }
  }
}

/** The history row of one model's outcome. */
const historyOf = (model: Model, outcome: Outcome, ms: number, startedAt: number, incremental: boolean) => {
  const view = model.declaration.materialized === "view"
  switch (outcome._tag) {
    case "Skipped":
      return { model, mode: "skipped", status: "skipped", rows: null, ms: 0, error: outcome.because, startedAt }
    case "Failed":
      return {
        model,
        mode: view ? "view" : incremental ? "incremental" : "full",
        status: "failed",
        rows: null,
        ms,
        error: outcome.message,
        startedAt
      }
    case "Built": {
      const { mode, rows } = outcome.built
      const recorded = mode === "unchanged" && view ? "view" : mode
      return { model, mode: recorded, status: "success", rows, ms, error: null, startedAt }
    }
  }
}

/** Builds the given models of a graph in dependency order; a failed model's dependents are skipped. */
export const runGraph = Effect.fn("Builder.runGraph")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  names: ReadonlyArray<string>,
  options: Omit<RunOptions, "select" | "dir"> = {}
) {
  const incremental = options.incremental ?? true
  const gate = options.gate ?? true
  const since = options.since
  if (since !== undefined && !(Number.isInteger(since) && since >= 19000101 && since <= 99991231)) {
    return yield* new WarehouseError({
      reason: new BadSince({ message: `since ${since} is not a yyyymmdd date id (e.g. 20261125).` })
    })
  }
  const progress = options.onProgress ?? ((line: string) => Effect.logInfo(line))
  const claimed = options.claim === false ? 0 : yield* claimChangedDays(sql, graph)
  const marked = yield* markedTables(sql)
  if (claimed > 0) yield* progress(`Claimed ${claimed} changed day(s) of facts.`)
  const order = yield* modelsToRun(sql, graph, names, options.changed === true)
  const runId = (yield* sql<{ id: string }>`SELECT gen_random_uuid()::text AS id`)[0]!.id
  const started = yield* Clock.currentTimeMillis
  const built: Array<Built> = []
  const failed: Array<RunReport["failed"][number]> = []
  const skipped: Array<RunReport["skipped"][number]> = []
  const broken = new Set<string>()
  const history: Array<HistoryEntry> = []
  const width = Math.max(...order.map((n) => graph.models.get(n)!.relation.length), 10)
  for (const [index, name] of order.entries()) {
    const model = graph.models.get(name)!
    const step = `${String(index + 1).padStart(String(order.length).length)}/${order.length}`
    const t0 = yield* Clock.currentTimeMillis
    const outcome = yield* buildOne(sql, graph, model, broken, { incremental, gate, since, marked })
    const ms = (yield* Clock.currentTimeMillis) - t0
    if (outcome._tag === "Built") built.push({ model: name, relation: model.relation, ...outcome.built, ms })
    else broken.add(name)
    if (outcome._tag === "Skipped") skipped.push({ model: name, because: outcome.because })
    if (outcome._tag === "Failed") failed.push({ model: name, message: outcome.message })
    yield* progress(progressLine(step, model.relation, width, outcome, ms))
    history.push(historyOf(model, outcome, ms, t0, incremental))
  }
  yield* writeHistory(sql, runId, history)
  const ms = (yield* Clock.currentTimeMillis) - started
  yield* progress(
    `Done in ${ms} ms: ${built.length} built, ${failed.length} failed, ${skipped.length} skipped (run ${runId}).`
  )
  if (failed.length > 0) {
    return yield* new WarehouseError({
      reason: new BuildFailed({
        message: `${failed.length} model(s) failed, ${skipped.length} skipped:\n${failed
          .map((f) => `  ${f.model}: ${f.message}`)
          .join("\n")}`
      })
    })
  }
  return { claimed, built, failed, skipped, ms } satisfies RunReport
})

/**
 * Builds the selected models (all by default) in dependency order over the
 * warehouse, incrementally where a model allows: an incremental model over
 * the fact tables rebuilds from the oldest changed day it has pending (OLAP
 * V5's triggers mark them), and is left alone when it has none. This is what
 * `brewlytics models run` does; the pipeline runner's `warehouse_models`
 * builds the changed models after each load (`buildChanged` in Warehouse.ts).
 */
export const runModels = Effect.fn("Builder.runModels")(function* (options: RunOptions = {}) {
  const sql = yield* OlapSql
  const graph = yield* loadModels(options.dir ?? MODELS_DIR)
  const names = yield* select(graph, options.select ?? [])
  return yield* runGraph(sql, graph, names, options)
})

/** Runs the data tests of the selected models (all by default) against what is published. */
export const testModels = Effect.fn("Builder.testModels")(function* (
  options: Pick<RunOptions, "select" | "dir" | "onProgress"> = {}
) {
  const sql = yield* OlapSql
  const graph = yield* loadModels(options.dir ?? MODELS_DIR)
  const names = yield* select(graph, options.select ?? [])
  return yield* testGraph(sql, graph, names, options.onProgress)
})

export const testGraph = Effect.fn("Builder.testGraph")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  names: ReadonlyArray<string>,
  onProgress?: (line: string) => Effect.Effect<void>
) {
  const progress = onProgress ?? ((line: string) => Effect.logInfo(line))
  const results: Array<TestResult> = []
  for (const name of names) {
    const tests = compileTests(graph, graph.models.get(name)!)
    // A model that is missing or broken fails all its tests, with the database's reason.
    const outcome = yield* runTests(sql, tests).pipe(
      Effect.catch((e) =>
        Effect.succeed(
          tests.map(
            (test): TestResult => ({
              model: test.model,
              test: test.name,
              severity: "error",
              failures: 1,
              sample: [{ error: String(e.cause ?? e.message) }]
            })
          )
        )
      )
    )
    for (const result of outcome) {
      results.push(result)
      yield* progress(
        result.failures === 0
          ? `PASS ${name} › ${result.test}`
          : `${result.severity === "warn" ? "WARN" : "FAIL"} ${describeFailure(result)}`
      )
    }
  }
  return results
})
