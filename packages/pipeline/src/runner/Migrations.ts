import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { loadMigrations, MIGRATION_DIRS, requireCurrent, type Target } from "@brewlytics/db/Migrator.ts"
import { Effect } from "effect"
import { MigrationsDiffer, RunnerError } from "./Errors.ts"

/**
 * Refuses databases whose applied migrations are not exactly the ones this
 * build ships (the migrator's own check): an edited, unknown or missing
 * migration, named with both versions.
 */
export const checkMigrations = Effect.fn("Runner.checkMigrations")(function* () {
  const refuse = (message: string) => Effect.fail(new RunnerError({ reason: new MigrationsDiffer({ message }) }))
  const check = (target: Target, sql: OltpSql["Service"]) =>
    loadMigrations(MIGRATION_DIRS[target]).pipe(
      Effect.flatMap((shipped) => requireCurrent(sql, target, shipped)),
      // Pending migrations: the message says to run `brewlytics migrate` already.
      Effect.catchReason(
        "MigrationError",
        "MigrationsPending",
        (pending) => refuse(pending.message),
        (other) => refuse(`The runner will not start: ${other.message}`)
      ),
      Effect.catchTag("SqlError", (e) => refuse(`The runner will not start: ${e.message}`))
    )
  yield* check("oltp", yield* OltpSql)
  yield* check("olap", yield* OlapSql)
})
