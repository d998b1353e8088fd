import { ApiServer } from "@brewlytics/api/Http.ts"
import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { Layer } from "effect"
import { Command } from "effect/cli"
import { userFacing } from "../UserFacing.ts"

export const api = Command.make("api", {}, () => userFacing(Layer.launch(ApiServer))).pipe(
  Command.withDescription(
    "Run the REST API alone (port API_PORT, default 8000; docs at /docs): migrates the databases first, stops cleanly on Ctrl-C"
  ),
  Command.provide(DatabasesLive)
)
