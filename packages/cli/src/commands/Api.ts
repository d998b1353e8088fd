import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { userFacing } from "../UserFacing.ts"

export const api = Command.make("api", {}, () =>
  // Loaded when the command runs, so other commands do not carry the API's modules (and it not theirs).
  Effect.promise(() => import("@brewlytics/api/Http.ts")).pipe(
    Effect.flatMap(({ ApiServer }) => userFacing(Effect.andThen(migrateAll, Layer.launch(ApiServer))))
  )
).pipe(
  Command.withDescription(
    "Run the REST API alone (port API_PORT, default 8000; docs at /docs): migrates the databases first, stops cleanly on Ctrl-C"
  ),
  Command.provide(DatabasesLive)
)
