import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { userFacing } from "../UserFacing.ts"

/** effect/cluster's storage tables on OLAP, for runners started with `--cluster` (see the pipeline's cluster/Storage.ts). */
const migrateCluster = Effect.promise(() => import("@brewlytics/pipeline/cluster/Storage.ts")).pipe(
  Effect.flatMap((m) => m.migrateClusterStorage)
)

export const migrateReport = migrateAll.pipe(
  Effect.tap(() => migrateCluster),
  Effect.tap(({ oltp, olap }) =>
    Console.log(
      `OLTP at V${oltp.current} (${oltp.applied.length} applied now), OLAP at V${olap.current} (${olap.applied.length} applied now)`
    )
  )
)

export const migrate = Command.make("migrate", {}, () => userFacing(migrateReport)).pipe(
  Command.withDescription(
    "Apply the versioned migrations in sql/oltp and sql/olap (safe to run from several processes)"
  ),
  Command.provide(DatabasesLive)
)

export const seedCommand = Command.make("seed", {}, () => userFacing(migrateReport.pipe(Effect.andThen(seed)))).pipe(
  Command.withDescription("Load the master data in seeds/*.csv (idempotent: running it twice changes nothing)"),
  Command.provide(DatabasesLive)
)
