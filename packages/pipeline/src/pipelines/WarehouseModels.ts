import { OlapSql } from "@brewlytics/db/Databases.ts"
import {
  buildChanged,
  CLAIM_SOURCE,
  claimChanges as claimWarehouseChanges,
  LoadedModels,
  loadShopModels,
  modelFiles
} from "@brewlytics/warehouse/Warehouse.ts"
import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import type { Lag } from "../cdc/Types.ts"
import * as Pipeline from "../dsl/Pipeline.ts"
import * as Step from "../dsl/Step.ts"

/**
 * `warehouse_models`: the dbt-style models brought up to date with the facts.
 * The runner runs it after each `cdc_to_star` run that wrote rows (and on its
 * own schedule as a fallback). Which days changed is not passed along: OLAP
 * V5's triggers marked them in the writers' transactions, so this covers
 * every writer (a backfill from the CLI, a person with psql) and a run that
 * fails leaves them marked for the next one.
 */

export const WAREHOUSE_MODELS_PIPELINE = "warehouse_models"

export const ChangedDays = Schema.Struct({
  /** Distinct (fact table, day) marks taken from the triggers by this run. */
  claimed: Schema.Int,
  /** (model, day) pairs waiting to be rebuilt, including any a failed run left. */
  pending: Schema.Int
})

export const loadModels = Step.make("load_models", {
  description: "the models' SQL and declarations, checked, in dependency order: read once per run",
  input: {},
  output: LoadedModels,
  run: () => loadShopModels()
})

export const claimChanges = Step.make("claim_changed_days", {
  description: "the fact tables' changed days, as marked by their triggers, handed to the models reading them",
  input: { models: LoadedModels },
  output: ChangedDays,
  run: ({ models }) => claimWarehouseChanges(models),
  sqlFiles: ["sql/olap/V5__changed_days.sql", CLAIM_SOURCE]
})

export const ModelsBuilt = Schema.Struct({
  /** Tables built (in full or by slice); views and unchanged models aside. */
  models: Schema.Int,
  /** Models left as they were: views whose SQL is the same, incremental models none of whose days changed. */
  unchanged: Schema.Int,
  /** Rows of those tables (full) or of their slices (incremental). */
  rows: Schema.Int,
  /** (model, day) pairs consumed. */
  consumed: Schema.Int
})

export const buildModels = Step.make("build_models", {
  description:
    "the models with changed days (and any not built yet), in dependency order, each tested before it publishes",
  input: { models: LoadedModels, changes: ChangedDays },
  output: ModelsBuilt,
  run: ({ models }) => buildChanged(models, (line) => Effect.logDebug(line)),
  // A full build of every model takes minutes on a large warehouse.
  timeout: "30 minutes",
  sqlFiles: modelFiles()
})

const models = Step.source(loadModels)

export const warehouseModels = Pipeline.make(WAREHOUSE_MODELS_PIPELINE, {
  description: "star schema → warehouse models: the days the loads changed, rebuilt exactly",
  output: buildModels({ models, changes: claimChanges({ models }) }),
  summary: (built) => ({
    rowsRead: built.consumed,
    rowsWritten: built.rows,
    more: false,
    // A models run that fails fails the run, so a reported run failed no model.
    report:
      built.models === 0 && built.consumed === 0
        ? null
        : `${built.models} model(s) built, ${built.unchanged} unchanged, 0 failed (${built.consumed} changed day(s), ${built.rows} rows)`
  })
})

/** Changed days not yet built into the models, and the age of the oldest. */
export const modelsLag: Effect.Effect<Lag, SqlError, OlapSql> = Effect.gen(function* () {
  const sql = yield* OlapSql
  const [row] = yield* sql<{ events: number; seconds: number }>`
    SELECT count(*)::int AS events, coalesce(extract(epoch FROM now() - min(marked_at)), 0)::float8 AS seconds
    FROM (SELECT marked_at FROM warehouse_changed_days UNION ALL SELECT marked_at FROM warehouse_model_pending) m`
  return { events: row!.events, seconds: row!.seconds }
})
