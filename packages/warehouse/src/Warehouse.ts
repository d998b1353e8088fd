/**
 * What the pipeline needs of the warehouse: the model files (for its version),
 * the models loaded once per run, claiming the changed days, and building the
 * models that have some. The layout of the models and the claim's SQL stay
 * this package's own.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { Effect, Predicate, Schema } from "effect"
import { runGraph } from "./Builder.ts"
import { claimChangedDays } from "./build/ChangedDays.ts"
import { LAYERS } from "./Model.ts"
import { loadModels, MODELS_DIR, type ModelGraph } from "./ModelGraph.ts"

/** The models' SQL and declarations, relative to the repository's root, in a stable order. */
export const modelFiles = (): ReadonlyArray<string> =>
  LAYERS.flatMap((layer) => {
    const folder = Path.join(MODELS_DIR, layer)
    return Fs.existsSync(folder)
      ? Fs.readdirSync(folder)
          .sort()
          .map((f) => Path.relative(repoRoot, Path.join(folder, f)))
      : []
  })

/** The source file of the changed-days claim: part of the pipeline's version. */
export const CLAIM_SOURCE = "packages/warehouse/src/build/ChangedDays.ts"

/**
 * The models as `loadModels` gives them: loaded and checked once per run, then
 * handed to the claim and the build. In memory only (the run's engine keeps a
 * step's output as the value itself), so it is checked by shape, not encoded.
 */
export const LoadedModels = Schema.declare(
  (u): u is ModelGraph =>
    Predicate.hasProperty(u, "models") &&
    u.models instanceof Map &&
    Predicate.hasProperty(u, "order") &&
    Array.isArray(u.order) &&
    Predicate.hasProperty(u, "children") &&
    u.children instanceof Map,
  { identifier: "LoadedModels" }
)

/** The shop's models, each with its declaration, checked and in dependency order. */
export const loadShopModels = Effect.fn("Warehouse.loadModels")(function* () {
  return yield* loadModels(MODELS_DIR)
})

/** Takes the triggers' marks (once) and counts the (model, day) pairs now waiting, any a failed run left included. */
export const claimChanges = Effect.fn("Warehouse.claimChanges")(function* (graph: ModelGraph) {
  const sql = yield* OlapSql
  const claimed = yield* claimChangedDays(sql, graph)
  const [row] = yield* sql<{ pending: number }>`
    SELECT count(*)::int AS pending FROM (SELECT DISTINCT model, date_id FROM warehouse_model_pending) p`
  return { claimed, pending: row!.pending }
})

/** Builds the models with pending days (and any not built yet), over marks `claimChanges` took already. */
export const buildChanged = Effect.fn("Warehouse.buildChanged")(function* (
  graph: ModelGraph,
  onProgress: (line: string) => Effect.Effect<void>
) {
  const sql = yield* OlapSql
  const report = yield* runGraph(sql, graph, graph.order, { changed: true, claim: false, onProgress })
  const tables = report.built.filter((b) => b.mode === "full" || b.mode === "incremental")
  return {
    models: tables.length,
    unchanged: report.built.filter((b) => b.mode === "unchanged").length,
    rows: tables.reduce((sum, b) => sum + (b.rows ?? 0), 0),
    consumed: report.built.reduce((sum, b) => sum + b.consumed, 0)
  }
})
