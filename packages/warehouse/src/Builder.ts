import { createHash } from "node:crypto"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { int4Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import type { PgClient } from "@effect/sql-pg"
import { Clock, Effect } from "effect"
import { compileTests, describeFailure, ident, runTests, stripSemicolon, type TestResult } from "./DataTests.ts"
import { type Model, WarehouseError } from "./Model.ts"
import {
  affectedBy,
  ancestors,
  loadModels,
  MODELS_DIR,
  type ModelGraph,
  renderTemplate,
  SOURCE_SCHEMA,
  select
} from "./ModelGraph.ts"

export interface RunOptions {
  /** dbt selectors (`m`, `m+`, `+m`); none: every model. */
  readonly select?: ReadonlyArray<string>
  /**
   * Only the models reading these star-schema tables and their dependents
   * (what the pipeline runner passes after a load: the tables it wrote).
   */
  readonly sources?: ReadonlyArray<string>
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

const RELKIND: Record<string, string> = { r: "TABLE", v: "VIEW", m: "MATERIALIZED VIEW" }

const columnsOf = (sql: PgClient.PgClient, relation: string) =>
  sql<{ name: string }>`
    SELECT attname AS name FROM pg_attribute
    WHERE attrelid = to_regclass(${relation}) AND attnum > 0 AND NOT attisdropped
    ORDER BY attnum`.pipe(Effect.map((rows) => rows.map((r) => r.name)))

const exec = (sql: PgClient.PgClient, statement: string) => sql.unsafe(statement).unprepared

const checkColumns = (model: Model, built: ReadonlyArray<string>): Effect.Effect<void, WarehouseError> => {
  const declared = Object.keys(model.declaration.columns)
  const undeclared = built.filter((c) => !declared.includes(c))
  const missing = declared.filter((c) => !built.includes(c))
  if (undeclared.length === 0 && missing.length === 0) return Effect.void
  return Effect.fail(
    new WarehouseError({
      reason: "ColumnsMismatch",
      message: `${model.name}: the SQL and the declaration disagree on columns.${
        undeclared.length > 0 ? ` Built but not declared in ${model.declarationFile}: ${undeclared.join(", ")}.` : ""
      }${missing.length > 0 ? ` Declared but not built by ${model.sqlFile}: ${missing.join(", ")}.` : ""}`
    })
  )
}

const createIndexes = (sql: PgClient.PgClient, model: Model) =>
  Effect.gen(function* () {
    const { uniqueKey, indexes } = model.declaration
    if (uniqueKey !== undefined && uniqueKey.length > 0) {
      yield* exec(sql, `CREATE UNIQUE INDEX ON ${model.relation} (${uniqueKey.map(ident).join(", ")})`)
    }
    for (const columns of indexes ?? []) {
      yield* exec(sql, `CREATE INDEX ON ${model.relation} (${columns.map(ident).join(", ")})`)
    }
  })

/** The star-schema tables a model reads, directly or through the models it refers to. */
export const upstreamSources = (graph: ModelGraph, name: string): ReadonlyArray<string> => [
  ...new Set([...ancestors(graph, name)].flatMap((n) => graph.models.get(n)!.sources))
]

/** Star-schema tables whose changed days OLAP V5's triggers mark. */
const markedTables = (sql: PgClient.PgClient) =>
  sql<{ source: string }>`
    SELECT DISTINCT c.relname AS source
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE t.tgfoid = 'warehouse_mark_changed_days'::regproc AND n.nspname = ${SOURCE_SCHEMA}`.pipe(
    Effect.map((rows) => new Set(rows.map((r) => r.source)))
  )

/**
 * Takes the changed days the triggers marked (exactly those committed before
 * this statement, whose facts every later build sees) and hands each to every
 * table or incremental model of the graph reading its fact table, as pending
 * days that the model consumes when it publishes. One statement, so a mark is
 * either handed on or left for the next run, never lost. Returns how many
 * distinct (table, day) marks it took.
 */
export const claimChangedDays = Effect.fn("Builder.claimChangedDays")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph
) {
  const pairs = graph.order
    .filter((n) => graph.models.get(n)!.declaration.materialized !== "view")
    .flatMap((n) => upstreamSources(graph, n).map((source) => [n, source] as const))
  if (pairs.length === 0) return 0
  const sources = [...new Set(pairs.map(([, source]) => source))]
  const [row] = yield* sql<{ marks: number }>`
    WITH claimed AS (
      DELETE FROM warehouse_changed_days WHERE source = ANY(${textArray(sources)}::text[]) RETURNING source, date_id, marked_at
    ), handed AS (
      INSERT INTO warehouse_model_pending (model, date_id, marked_at)
      SELECT m.model, c.date_id, min(c.marked_at)
      FROM claimed c JOIN unnest(${textArray(pairs.map(([n]) => n))}::text[], ${textArray(pairs.map(([, s]) => s))}::text[]) AS m(model, source)
        USING (source)
      GROUP BY m.model, c.date_id
      RETURNING 1
    )
    SELECT count(DISTINCT (source, date_id))::int AS marks FROM claimed`
  return row!.marks
})

/** The window's lowest value a slice starting at `since` covers, in the window column's own type. */
const windowBound = (sql: PgClient.PgClient, window: string) =>
  sql<{ type: string }>`
    SELECT format_type(atttypid, NULL) AS type FROM pg_attribute
    WHERE attrelid = 'pg_temp.brewlytics_model_slice'::regclass AND attname = ${window}`.pipe(
    Effect.map(([row]) =>
      row?.type === "date"
        ? "to_date($1::text, 'YYYYMMDD')"
        : row !== undefined && ["integer", "bigint", "smallint"].includes(row.type)
          ? "$1::int"
          : undefined
    )
  )

/**
 * Builds one model inside one transaction: the new version replaces the old
 * (or the new slice is merged in) and is tested before COMMIT, so a reader sees
 * the old version or the new one, never a half-built or failing one.
 */
const buildModel = (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  model: Model,
  options: {
    readonly incremental: boolean
    readonly gate: boolean
    readonly since: number | undefined
    /** It reads a table whose changed days are marked: its slices start at its oldest pending day. */
    readonly marked: boolean
  }
) =>
  sql
    .withTransaction(
      Effect.gen(function* () {
        // One round trip: builds can take minutes at scale (the pool's default timeout is for
        // OLTP-sized work), two runners building the same model queue up on the lock, and
        // what the relation is now (table, view and its stamp, or nothing).
        const [state] = yield* sql<{ relkind: string | null; stamp: string | null }>`
        SELECT c.relkind, obj_description(c.oid, 'pg_class') AS stamp
        FROM (SELECT set_config('statement_timeout', '30min', true),
                     pg_advisory_xact_lock(hashtext(${`brewlytics.model.${model.relation}`}))) AS setup
        LEFT JOIN pg_class c ON c.oid = to_regclass(${model.relation})`
        const kind = state?.relkind ?? undefined
        const materialized = model.declaration.materialized
        // Its pending days are consumed here, so they go if and only if this build publishes.
        const [pending] =
          materialized === "view"
            ? [{ oldest: null, days: 0 }]
            : yield* sql<{ oldest: number | null; days: number }>`
                WITH consumed AS (DELETE FROM warehouse_model_pending WHERE model = ${model.name} RETURNING date_id)
                SELECT min(date_id) AS oldest, count(DISTINCT date_id)::int AS days FROM consumed`
        const consumed = pending!.days
        // An empty target has no watermark for `{{#if incremental}}` filters to read: build it in full.
        const topUp =
          materialized === "incremental" &&
          options.incremental &&
          kind === "r" &&
          (yield* sql.unsafe<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${model.relation}) AS any`))[0]!.any
        const since =
          topUp && options.marked && pending!.oldest !== null
            ? Math.min(pending!.oldest, options.since ?? pending!.oldest)
            : options.since
        if (topUp && options.marked && since === undefined) {
          // None of the days it reads changed since it was built.
          return { mode: "unchanged" as const, rows: null, consumed, warnings: [] }
        }
        const body = stripSemicolon(
          renderTemplate(model.template, {
            self: model.relation,
            incremental: topUp,
            since,
            ref: (name) => graph.models.get(name)!.relation
          })
        )
        const dropOld =
          kind === undefined ? [] : [`DROP ${RELKIND[kind] ?? "TABLE"} IF EXISTS ${model.relation} CASCADE`]
        let rows: number | null = null
        let mode: Built["mode"]
        if (materialized === "view") {
          // A view is stamped with the hash of its SQL: a top-up run leaves an unchanged one alone.
          const stamp = `brewlytics:${createHash("sha256").update(body).digest("hex").slice(0, 32)}`
          const current = kind === "v" ? state?.stamp : undefined
          if (options.incremental && current === stamp) {
            mode = "unchanged"
          } else {
            mode = "view"
            for (const s of dropOld) yield* exec(sql, s)
            yield* exec(sql, `CREATE VIEW ${model.relation} AS\n${body}\n`)
            yield* checkColumns(model, yield* columnsOf(sql, model.relation))
            yield* exec(sql, `COMMENT ON VIEW ${model.relation} IS '${stamp}'`)
          }
        } else if (topUp) {
          mode = "incremental"
          yield* exec(sql, `CREATE TEMP TABLE brewlytics_model_slice ON COMMIT DROP AS\n${body}\n`)
          yield* checkColumns(model, yield* columnsOf(sql, "pg_temp.brewlytics_model_slice")).pipe(
            Effect.mapError(
              (e) =>
                new WarehouseError({
                  reason: "ColumnsMismatch",
                  message: `${e.message} (incremental slice; after changing columns run with --full-refresh)`
                })
            )
          )
          const key = model.declaration.uniqueKey!
          const columns = Object.keys(model.declaration.columns).map(ident).join(", ")
          const window = model.declaration.window
          const lowest = `(SELECT min(${ident(window ?? "")}) FROM brewlytics_model_slice)`
          // From `since` on even where the slice has no rows: a day whose facts were all deleted is emptied too.
          const bound = window === undefined || since === undefined ? undefined : yield* windowBound(sql, window)
          if (window === undefined) {
            yield* exec(
              sql,
              `DELETE FROM ${model.relation} t USING brewlytics_model_slice s WHERE ${key
                .map((k) => `t.${ident(k)} = s.${ident(k)}`)
                .join(" AND ")}`
            )
          } else if (bound === undefined) {
            yield* exec(sql, `DELETE FROM ${model.relation} WHERE ${ident(window)} >= ${lowest}`)
          } else {
            yield* sql.unsafe(`DELETE FROM ${model.relation} WHERE ${ident(window)} >= least(${lowest}, ${bound})`, [
              since
            ])
          }
          yield* exec(sql, `INSERT INTO ${model.relation} (${columns}) SELECT ${columns} FROM brewlytics_model_slice`)
          const counted = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM brewlytics_model_slice`
          rows = counted[0]!.n
        } else {
          mode = "full"
          const building = `${model.layer}.${model.name}__building`
          yield* exec(sql, `DROP TABLE IF EXISTS ${building}`)
          yield* exec(sql, `CREATE TABLE ${building} AS\n${body}\n`)
          yield* checkColumns(model, yield* columnsOf(sql, building))
          for (const s of dropOld) yield* exec(sql, s)
          yield* exec(sql, `ALTER TABLE ${building} RENAME TO ${model.name}`)
          yield* createIndexes(sql, model)
          yield* exec(sql, `ANALYZE ${model.relation}`)
          const counted = yield* sql.unsafe<{ n: number }>(`SELECT count(*)::int AS n FROM ${model.relation}`)
          rows = counted[0]!.n
        }
        const warnings: Array<TestResult> = []
        if (options.gate && materialized !== "view") {
          const tests = compileTests(
            graph,
            model,
            mode === "incremental" ? { rowsFrom: "pg_temp.brewlytics_model_slice" } : {}
          )
          for (const result of yield* runTests(sql, tests)) {
            if (result.failures === 0) continue
            if (result.severity === "warn") {
              warnings.push(result)
              continue
            }
            return yield* new WarehouseError({
              reason: "TestsFailed",
              message: `not published, a test failed: ${describeFailure(result)}`
            })
          }
        }
        return { mode, rows, consumed, warnings }
      })
    )
    .pipe(
      Effect.mapError((e) =>
        e._tag === "WarehouseError"
          ? e
          : new WarehouseError({
              reason: "BuildFailed",
              message: `${model.sqlFile} failed to build: ${rootMessage(e)}`,
              cause: e
            })
      )
    )

/** The database's own words, from the innermost cause (the outer ones say only "Query failed"). */
const rootMessage = (error: unknown): string => {
  let current: unknown = error
  let message = String(error)
  while (typeof current === "object" && current !== null && "message" in current) {
    message = String(current.message)
    current = "cause" in current ? current.cause : undefined
  }
  return message
}

interface HistoryEntry {
  readonly model: Model
  readonly mode: string
  readonly status: string
  readonly rows: number | null
  readonly ms: number
  readonly error: string | null
  readonly startedAt: number
}

/** Writes a run's history in one statement at its end (a build should not pay a round trip for it). */
const writeHistory = (sql: PgClient.PgClient, runId: string, entries: ReadonlyArray<HistoryEntry>) =>
  entries.length === 0
    ? Effect.void
    : // Every array but the durations is text ('' for null): the driver cannot type an array of nulls, and
      // infers each element's type, so numbers that are sometimes whole (start times in seconds) would mix int and float.
      sql`INSERT INTO warehouse_model_runs (run_id, model, materialized, mode, status, rows, duration_ms, error, started_at)
      SELECT ${runId}::uuid, m, mat, mode, status, nullif(r, '')::bigint, ms, nullif(err, ''), to_timestamp(st::float8 / 1000)
      FROM unnest(${textArray(entries.map((e) => e.model.name))}::text[], ${textArray(entries.map((e) => e.model.declaration.materialized))}::text[],
                  ${textArray(entries.map((e) => e.mode))}::text[], ${textArray(entries.map((e) => e.status))}::text[],
                  ${textArray(entries.map((e) => (e.rows === null ? "" : String(e.rows))))}::text[],
                  ${int4Array(entries.map((e) => Math.round(e.ms)))}::int[], ${textArray(entries.map((e) => e.error ?? ""))}::text[],
                  ${textArray(entries.map((e) => String(e.startedAt)))}::text[]) AS h(m, mat, mode, status, r, ms, err, st)`.pipe(
        Effect.asVoid
      )

/**
 * Of the given models, those with changed days pending, every view (cheap to
 * check, and the tables read them) and any model not built yet.
 */
const changedModels = (sql: PgClient.PgClient, graph: ModelGraph, names: ReadonlyArray<string>) =>
  sql<{ model: string }>`
    SELECT m.model FROM unnest(${textArray(names as Array<string>)}::text[], ${textArray(names.map((n) => graph.models.get(n)!.relation))}::text[]) AS m(model, relation)
    WHERE to_regclass(m.relation) IS NULL
       OR EXISTS (SELECT 1 FROM warehouse_model_pending p WHERE p.model = m.model)`.pipe(
    Effect.map((rows) => {
      const waiting = new Set(rows.map((r) => r.model))
      return names.filter((n) => waiting.has(n) || graph.models.get(n)!.declaration.materialized === "view")
    })
  )

const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length))

/** Builds the given models of a graph in dependency order; a failed model's dependents are skipped. */
export const runGraph = Effect.fn("Builder.runGraph")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  names: ReadonlyArray<string>,
  options: Omit<RunOptions, "select" | "dir" | "sources"> = {}
) {
  const incremental = options.incremental ?? true
  const gate = options.gate ?? true
  const since = options.since
  if (since !== undefined && !(Number.isInteger(since) && since >= 19000101 && since <= 99991231)) {
    return yield* new WarehouseError({
      reason: "UnknownSelector",
      message: `since ${since} is not a yyyymmdd date id (e.g. 20261125).`
    })
  }
  const progress = options.onProgress ?? ((line: string) => Effect.logInfo(line))
  const claimed = yield* claimChangedDays(sql, graph)
  const marked = yield* markedTables(sql)
  if (claimed > 0) yield* progress(`Claimed ${claimed} changed day(s) of facts.`)
  const waiting = options.changed === true ? yield* changedModels(sql, graph, names) : undefined
  // Rebuilding a table drops the views over it (CASCADE), so those views are rebuilt in the same run.
  const chosen = new Set(waiting ?? names)
  for (const name of graph.order) {
    if (chosen.has(name)) continue
    const model = graph.models.get(name)!
    if (model.declaration.materialized === "view" && model.refs.some((r) => chosen.has(r))) chosen.add(name)
  }
  const order = graph.order.filter((n) => chosen.has(n))
  const runId = (yield* sql<{ id: string }>`SELECT gen_random_uuid()::text AS id`)[0]!.id
  const started = yield* Clock.currentTimeMillis
  const built: Array<Built> = []
  const failed: Array<{ model: string; message: string }> = []
  const skipped: Array<{ model: string; because: string }> = []
  const broken = new Set<string>()
  const history: Array<HistoryEntry> = []
  const width = Math.max(...order.map((n) => graph.models.get(n)!.relation.length), 10)
  for (const [index, name] of order.entries()) {
    const model = graph.models.get(name)!
    const step = `${String(index + 1).padStart(String(order.length).length)}/${order.length}`
    const upstream = model.refs.find((r) => broken.has(r))
    const t0 = yield* Clock.currentTimeMillis
    if (upstream !== undefined) {
      broken.add(name)
      skipped.push({ model: name, because: `upstream ${upstream} was not published` })
      yield* progress(`${step} SKIP ${pad(model.relation, width)} upstream ${upstream} was not published`)
      history.push({
        model,
        mode: "skipped",
        status: "skipped",
        rows: null,
        ms: 0,
        error: `upstream ${upstream} was not published`,
        startedAt: t0
      })
      continue
    }
    const reads = upstreamSources(graph, name)
    const exit = yield* Effect.exit(
      buildModel(sql, graph, model, { incremental, gate, since, marked: reads.some((s) => marked.has(s)) })
    )
    const ms = (yield* Clock.currentTimeMillis) - t0
    if (exit._tag === "Success") {
      const { mode, rows, consumed, warnings } = exit.value
      built.push({ model: name, relation: model.relation, mode, rows, consumed, ms, warnings })
      yield* progress(
        `${step} OK   ${pad(model.relation, width)} ${pad(mode, 11)} ${
          rows === null ? pad("", 12) : pad(`${rows.toLocaleString("en-US")} rows`, 12)
        } ${ms} ms`
      )
      for (const w of warnings) yield* progress(`       warn ${describeFailure(w)}`)
      history.push({
        model,
        mode: mode === "unchanged" && model.declaration.materialized === "view" ? "view" : mode,
        status: "success",
        rows,
        ms,
        error: null,
        startedAt: t0
      })
    } else {
      const error = exit.cause.reasons.find((r) => r._tag === "Fail")
      const message =
        error !== undefined && error._tag === "Fail"
          ? error.error.message
          : `died: ${exit.cause.reasons.map((r) => String(r)).join("; ")}`
      broken.add(name)
      failed.push({ model: name, message })
      yield* progress(`${step} FAIL ${pad(model.relation, width)} ${ms} ms\n       ${message}`)
      history.push({
        model,
        mode: model.declaration.materialized === "view" ? "view" : incremental ? "incremental" : "full",
        status: "failed",
        rows: null,
        ms,
        error: message,
        startedAt: t0
      })
    }
  }
  yield* writeHistory(sql, runId, history)
  const ms = (yield* Clock.currentTimeMillis) - started
  yield* progress(
    `Done in ${ms} ms: ${built.length} built, ${failed.length} failed, ${skipped.length} skipped (run ${runId}).`
  )
  const report: RunReport = { claimed, built, failed, skipped, ms }
  if (failed.length > 0) {
    return yield* new WarehouseError({
      reason: "BuildFailed",
      message: `${failed.length} model(s) failed, ${skipped.length} skipped:\n${failed
        .map((f) => `  ${f.model}: ${f.message}`)
        .join("\n")}`
    })
  }
  return report
})

/**
 * Builds the selected models (all by default) in dependency order over the
 * warehouse, incrementally where a model allows: an incremental model over
 * the fact tables rebuilds from the oldest changed day it has pending (OLAP
 * V5's triggers mark them), and is left alone when it has none. This is what
 * `brewlytics models run` does; the pipeline runner's `warehouse_models`
 * calls `runModels({ changed: true })` after each load.
 */
export const runModels = Effect.fn("Builder.runModels")(function* (options: RunOptions = {}) {
  const sql = yield* OlapSql
  const graph = yield* loadModels(options.dir ?? MODELS_DIR)
  const selected = yield* select(graph, options.select ?? [])
  const names =
    options.sources === undefined
      ? selected
      : affectedBy(graph, options.sources).filter((n) => (options.select ?? []).length === 0 || selected.includes(n))
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
