import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"
import { userFacing } from "../UserFacing.ts"

const report = Effect.gen(function* () {
  // Loaded when the command runs, so that other commands do not carry the pipeline's modules.
  const [{ lag }, { reconcileOrFail }] = yield* Effect.promise(() =>
    Promise.all([import("@brewlytics/pipeline/cdc/Cdc.ts"), import("@brewlytics/pipeline/Reconcile.ts")])
  )
  // Differences while changes wait to load are expected: say so first.
  const behind = yield* lag().pipe(Effect.option)
  if (behind._tag === "Some" && behind.value.events > 0) {
    yield* Console.log(
      `Note: ${behind.value.events} change(s) are not loaded yet (oldest ${behind.value.seconds.toFixed(1)} s old); differences may only be lag.`
    )
  }
  const result = yield* reconcileOrFail
  const width = Math.max(...result.checks.map((c) => c.name.length))
  for (const c of result.checks) yield* Console.log(`ok  ${c.name.padEnd(width)}  ${c.oltp}`)
  yield* Console.log(`OLTP and the warehouse agree on all ${result.checks.length} figures.`)
})

export const reconcileCommand = Command.make("reconcile", {}, () => userFacing(report)).pipe(
  Command.withDescription(
    "Compare OLTP with the warehouse (orders, items, revenue per day, payments per method, dimensions, stock on hand); exits non-zero on any difference"
  ),
  Command.provide(DatabasesLive)
)
