import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { compileTests, describeFailure, runTests, stripSemicolon, type TestResult } from "../DataTests.ts"
import { BuildFailed, type Model, TestsFailed, WarehouseError } from "../Model.ts"
import type { ModelGraph } from "../ModelGraph.ts"
import { renderTemplate } from "../Template.ts"
import { SLICE, topUpTable } from "./Incremental.ts"
import { columnsOf, type Materialized } from "./Relation.ts"
import { buildTable } from "./Table.ts"
import { buildView } from "./View.ts"

export interface BuildOptions {
  readonly incremental: boolean
  readonly gate: boolean
  readonly since: number | undefined
  /** It reads a table whose changed days are marked: its slices start at its oldest pending day. */
  readonly marked: boolean
}

export interface ModelBuilt extends Materialized {
  /** Changed days (per fact table) this build consumed. */
  readonly consumed: number
  readonly warnings: ReadonlyArray<TestResult>
}

/**
 * What the relation is now (table, view and its stamp, or nothing), in one
 * round trip that also sets the transaction up: builds can take minutes at
 * scale (the pool's default timeout is for OLTP-sized work), and two runners
 * building the same model queue up on the lock.
 */
const currentState = (sql: PgClient.PgClient, model: Model) =>
  sql<{ relkind: string | null; stamp: string | null }>`
        SELECT c.relkind, obj_description(c.oid, 'pg_class') AS stamp
        FROM (SELECT set_config('statement_timeout', '30min', true),
                     pg_advisory_xact_lock(hashtext(${`brewlytics.model.${model.relation}`}))) AS setup
        LEFT JOIN pg_class c ON c.oid = to_regclass(${model.relation})`.pipe(Effect.map(([state]) => state))

/** Takes the model's pending changed days; they are consumed if and only if this build publishes. */
const consumePending = (sql: PgClient.PgClient, model: Model) =>
  model.declaration.materialized === "view"
    ? Effect.succeed({ oldest: null, days: 0 })
    : sql<{ oldest: number | null; days: number }>`
        WITH consumed AS (DELETE FROM warehouse_model_pending WHERE model = ${model.name} RETURNING date_id)
        SELECT min(date_id) AS oldest, count(DISTINCT date_id)::int AS days FROM consumed`.pipe(
        Effect.map(([pending]) => pending!)
      )

/** Whether the table exists with rows: an empty target has no watermark for `{{#if incremental}}` filters to read. */
const hasRows = (sql: PgClient.PgClient, model: Model) =>
  sql
    .unsafe<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${model.relation}) AS any`)
    .pipe(Effect.map(([row]) => row!.any))

/** Whether the table has the columns the model declares now: one built before a column changed is rebuilt in full. */
const hasDeclaredColumns = (sql: PgClient.PgClient, model: Model) =>
  columnsOf(sql, model.relation).pipe(
    Effect.map((built) => {
      const declared = Object.keys(model.declaration.columns)
      return built.length === declared.length && declared.every((c) => built.includes(c))
    })
  )

/** Runs the model's tests on what was built; an error-severity failure keeps it unpublished. */
const gateTests = Effect.fn("Builder.gateTests")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  model: Model,
  mode: Materialized["mode"]
) {
  const warnings: Array<TestResult> = []
  const tests = compileTests(graph, model, mode === "incremental" ? { rowsFrom: SLICE } : {})
  for (const result of yield* runTests(sql, tests)) {
    if (result.failures === 0) continue
    if (result.severity === "warn") {
      warnings.push(result)
      continue
    }
    return yield* new WarehouseError({
      reason: new TestsFailed({ message: `not published, a test failed: ${describeFailure(result)}` })
    })
  }
  return warnings
})

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

const build = Effect.fn("Builder.buildModel")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph,
  model: Model,
  options: BuildOptions
) {
  const state = yield* currentState(sql, model)
  const kind = state?.relkind ?? undefined
  const materialized = model.declaration.materialized
  const pending = yield* consumePending(sql, model)
  const consumed = pending.days
  const topUp =
    materialized === "incremental" &&
    options.incremental &&
    kind === "r" &&
    (yield* hasRows(sql, model)) &&
    (yield* hasDeclaredColumns(sql, model))
  const since =
    topUp && options.marked && pending.oldest !== null
      ? Math.min(pending.oldest, options.since ?? pending.oldest)
      : options.since
  if (topUp && options.marked && since === undefined) {
    // None of the days it reads changed since it was built.
    return { mode: "unchanged", rows: null, consumed, warnings: [] } satisfies ModelBuilt
  }
  const body = stripSemicolon(
    renderTemplate(model.template, {
      self: model.relation,
      incremental: topUp,
      since,
      ref: (name) => graph.models.get(name)!.relation
    })
  )
  const { mode, rows } =
    materialized === "view"
      ? yield* buildView(sql, model, body, { kind, stamp: state?.stamp, incremental: options.incremental })
      : topUp
        ? yield* topUpTable(sql, model, body, since)
        : yield* buildTable(sql, model, body, kind)
  const warnings = options.gate && materialized !== "view" ? yield* gateTests(sql, graph, model, mode) : []
  return { mode, rows, consumed, warnings } satisfies ModelBuilt
})

/**
 * Builds one model inside one transaction: the new version replaces the old
 * (or the new slice is merged in) and is tested before COMMIT, so a reader sees
 * the old version or the new one, never a half-built or failing one.
 */
export const buildModel = (sql: PgClient.PgClient, graph: ModelGraph, model: Model, options: BuildOptions) =>
  sql.withTransaction(build(sql, graph, model, options)).pipe(
    Effect.mapError((e) =>
      e._tag === "WarehouseError"
        ? e
        : new WarehouseError({
            reason: new BuildFailed({ message: `${model.sqlFile} failed to build: ${rootMessage(e)}`, cause: e })
          })
    )
  )
