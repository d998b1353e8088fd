import { runRunnerThread } from "@brewlytics/pipeline/RunnerThread.ts"
import { Effect } from "effect"
import { logFormat } from "./Logging.ts"

/** The module the runner's thread runs: the composition root of the long-lived runner. */
export const RUNNER_WORKER = new URL("./RunnerWorker.ts", import.meta.url)

/**
 * The pipeline runner on a thread of its own, as `brewlytics start` runs it.
 * The thread cannot see this process's terminal, so it is told the log format
 * chosen here: `LOG_FORMAT` when set, else readable lines on a terminal and
 * JSON lines otherwise. `env` adds to the thread's environment (`RUNNER_PORT`).
 */
export const startRunnerThread = Effect.fn("Cli.startRunnerThread")(function* (env: Record<string, string> = {}) {
  const format = yield* logFormat
  return yield* runRunnerThread({ entry: RUNNER_WORKER, env: { ...env, LOG_FORMAT: format } })
})
