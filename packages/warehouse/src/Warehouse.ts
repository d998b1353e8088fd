/**
 * What the pipeline needs of the warehouse: the model files (for its version),
 * claiming the changed days, and building the models that have some. The
 * layout of the models and the claim's SQL stay this package's own.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { Effect } from "effect"
import { runModels } from "./Builder.ts"
import { claimChangedDays } from "./build/ChangedDays.ts"
import { LAYERS } from "./Model.ts"
import { loadModels, MODELS_DIR } from "./ModelGraph.ts"

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

/** Takes the triggers' marks (once) and counts the (model, day) pairs now waiting, any a failed run left included. */
export const claimChanges = Effect.fn("Warehouse.claimChanges")(function* () {
  const sql = yield* OlapSql
  const claimed = yield* claimChangedDays(sql, yield* loadModels())
  const [row] = yield* sql<{ pending: number }>`
    SELECT count(*)::int AS pending FROM (SELECT DISTINCT model, date_id FROM warehouse_model_pending) p`
  return { claimed, pending: row!.pending }
})

/** Builds the models with pending days (and any not built yet), over marks `claimChanges` took already. */
export const buildChanged = Effect.fn("Warehouse.buildChanged")(function* (
  onProgress: (line: string) => Effect.Effect<void>
) {
  const report = yield* runModels({ changed: true, claim: false, onProgress })
  const tables = report.built.filter((b) => b.mode === "full" || b.mode === "incremental")
  return {
    models: tables.length,
    unchanged: report.built.filter((b) => b.mode === "unchanged").length,
    rows: tables.reduce((sum, b) => sum + (b.rows ?? 0), 0),
    consumed: report.built.reduce((sum, b) => sum + b.consumed, 0)
  }
})
