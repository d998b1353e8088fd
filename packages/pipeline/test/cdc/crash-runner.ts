// A runner for the crash test to kill -9: loads small batches for ever,
// printing "ready" once it has its pools, and "batch" after each commit.
import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { NodeRuntime } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { runOnce } from "../../src/pipelines/RunCdcToStar.ts"

const loop = Effect.gen(function* () {
  yield* Console.log("ready")
  while (true) {
    const report = yield* runOnce({ limit: 150 }).pipe(
      Effect.catchTag("RunFailed", () => Effect.succeed({ more: true, events: 0 }))
    )
    if (report.events > 0) yield* Console.log("batch")
    if (!report.more) yield* Effect.sleep("10 millis")
  }
})

loop.pipe(Effect.provide(DatabasesLive), NodeRuntime.runMain)
