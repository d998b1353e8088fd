/**
 * The entry of the runner's worker thread (see the pipeline's `RunnerThread.ts`):
 * the composition root of the long-lived runner and its status endpoint over pools of its own, reaching the databases through
 * OLTP_DATABASE_URL / OLAP_DATABASE_URL set by the thread that started it.
 */
import { parentPort } from "node:worker_threads"
import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { ConfiguredRunnerLive } from "@brewlytics/pipeline/cluster/Mode.ts"
import { RunnerStatusHttp } from "@brewlytics/pipeline/RunnerStatusHttp.ts"
import { type RunnerThreadFailed, STOP } from "@brewlytics/pipeline/RunnerThread.ts"
import { NodeServices } from "@effect/platform-node"
import { Cause, Effect, Exit, Fiber, Layer } from "effect"
import { LoggerLive } from "./Logging.ts"

/** An error's own words: its message, else its cause's (a server that cannot listen says why there), else its tag. */
const describe = (error: unknown): string => {
  const e = error as { message?: unknown; cause?: unknown; _tag?: unknown } | null | undefined
  if (typeof e?.message === "string" && e.message !== "") return e.message
  if (e?.cause !== undefined && e.cause !== error)
    return `${typeof e._tag === "string" ? `${e._tag}: ` : ""}${describe(e.cause)}`
  return typeof e?._tag === "string" ? e._tag : String(error)
}

const port = parentPort
if (port === null) throw new Error("RunnerWorker.ts runs in a worker thread: start it with runRunnerThread.")

const fiber = Effect.runFork(
  Layer.launch(
    RunnerStatusHttp.pipe(
      // PIPELINE_CLUSTER=true: this runner joins the cluster of runners (see cluster/Mode.ts).
      Layer.provideMerge(ConfiguredRunnerLive),
      // The format `start` chose for its own terminal, passed in as LOG_FORMAT: one log format for the whole process.
      Layer.provide(Layer.mergeAll(DatabasesLive, NodeServices.layer, LoggerLive))
    )
  )
)
port.on("message", (message) => {
  if (message === STOP) Effect.runFork(Fiber.interrupt(fiber))
})
fiber.addObserver((exit) => {
  if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
    const failed: RunnerThreadFailed = { _tag: "failed", message: describe(Cause.squash(exit.cause)) }
    port.postMessage(failed)
  }
  // Nothing else keeps the thread alive: it exits.
  port.close()
})
