import { Worker } from "node:worker_threads"
import { DatabaseUrls } from "@brewlytics/db/Databases.ts"
import { Effect, Redacted } from "effect"
import { RunnerError, RunnerFailed } from "./runner/Errors.ts"

/** What the runner's thread tells the thread that started it, before it exits. */
export interface RunnerThreadFailed {
  readonly _tag: "failed"
  readonly message: string
}

/** Asks the runner's thread to stop: the batch in flight commits or rolls back, then it exits. */
export const STOP = "stop"

/**
 * The pipeline runner (`RunnerLive`: schedules, NOTIFY wake-ups, status on
 * `RUNNER_PORT`) in a worker thread of its own, over its own pools, beside a
 * process that serves the API. On one event loop every round trip of a batch
 * (a dozen statements) waits behind the API's requests, and under a steady
 * stream of orders that is most of a change's wait for its fact
 * (`bench/freshness`; figures in the README's Performance section).
 *
 * Runs until interrupted, then stops the runner gracefully and waits for the
 * thread to exit. Fails with the runner's own message (a migration mismatch,
 * an unreachable database) if the thread stops by itself. `env` adds to the
 * thread's environment (e.g. `RUNNER_PORT`, and `LOG_FORMAT`: the thread sees
 * no terminal, so its caller tells it the format it chose). `entry` is the
 * thread's module, the composition root that builds the runner (the CLI's
 * `RunnerWorker.ts`); this package only starts and stops the thread.
 */
export const runRunnerThread = Effect.fn("RunnerThread.run")(function* (options: {
  readonly entry: URL
  readonly env?: Record<string, string>
}) {
  const urls = yield* DatabaseUrls
  return yield* Effect.callback<never, RunnerError>((resume) => {
    const worker = new Worker(options.entry, {
      // Its pools reach the same two databases (on the embedded server that this process started).
      env: {
        ...process.env,
        ...options.env,
        OLTP_DATABASE_URL: Redacted.value(urls.oltp),
        OLAP_DATABASE_URL: Redacted.value(urls.olap)
      }
    })
    let failure: string | undefined
    worker.on("message", (message: RunnerThreadFailed) => {
      failure = message.message
    })
    worker.on("error", (error) => {
      failure = `The pipeline runner's thread crashed: ${error.message}`
    })
    worker.once("exit", (code) =>
      resume(
        Effect.fail(
          new RunnerError({
            reason: new RunnerFailed({
              message: `The pipeline runner stopped: ${failure ?? `its thread exited on its own (code ${code})`}`
            })
          })
        )
      )
    )
    return Effect.promise(
      () =>
        new Promise<void>((stopped) => {
          worker.once("exit", () => stopped())
          worker.postMessage(STOP)
        })
    )
  })
})
