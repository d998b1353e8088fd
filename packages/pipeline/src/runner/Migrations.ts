import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import {
  appliedMigrations,
  loadMigrations,
  MIGRATION_DIRS,
  type Target,
  verifyHistory
} from "@brewlytics/db/Migrator.ts"
import { Effect } from "effect"
import { MigrationsDiffer, RunnerError } from "./Errors.ts"

/**
 * Refuses databases whose applied migrations are not exactly the ones this
 * build ships: an edited, unknown or missing migration, named with both versions.
 */
export const checkMigrations = Effect.fn("Runner.checkMigrations")(function* () {
  const check = (target: Target, sql: OltpSql["Service"]) =>
    Effect.gen(function* () {
      const label = target.toUpperCase()
      const shipped = yield* loadMigrations(MIGRATION_DIRS[target])
      const applied = yield* appliedMigrations(sql)
      yield* verifyHistory(label, shipped, applied)
      const appliedVersions = new Set(applied.map((a) => a.version))
      const missing = shipped.filter((m) => !appliedVersions.has(m.version))
      if (missing.length > 0) {
        const at = applied.at(-1)?.version ?? 0
        return yield* new RunnerError({
          reason: new MigrationsDiffer({
            message: `The ${label} database is at V${at}, this build ships V${shipped.at(-1)!.version} (${missing
              .map((m) => m.script)
              .join(", ")} not applied): run \`brewlytics migrate\` first.`
          })
        })
      }
    }).pipe(
      Effect.mapError((e) =>
        e._tag === "RunnerError"
          ? e
          : new RunnerError({ reason: new MigrationsDiffer({ message: `The runner will not start: ${e.message}` }) })
      )
    )
  yield* check("oltp", yield* OltpSql)
  yield* check("olap", yield* OlapSql)
})
