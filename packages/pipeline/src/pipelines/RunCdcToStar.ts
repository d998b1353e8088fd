import { Effect, Layer } from "effect"
import { BatchLimit, DEFAULT_LIMIT } from "../cdc/Cdc.ts"
import { CdcPrefetch, makePrefetch } from "../cdc/Prefetch.ts"
import { DeadLetters } from "../dsl/DeadLetters.ts"
import * as Pipeline from "../dsl/Pipeline.ts"
import { cdcToStar } from "./CdcToStar.ts"

/**
 * `cdc_to_star` run outside the runner (tests, scripts, benches): the
 * pipeline's own steps, exactly as the runner runs them, but not recorded in
 * the run history. There is no other way to load the change log.
 */

interface Options {
  /** Events per batch (about: whole transactions); `DEFAULT_LIMIT` unless given. */
  readonly limit?: number
}

/** One run over the given read-ahead: one bounded batch, loaded or superseded by another loader. */
const runWith = Effect.fn("RunCdcToStar.run")(function* (prefetch: CdcPrefetch["Service"], options: Options) {
  const runId = yield* Pipeline.newRunId(cdcToStar.name)
  const { output } = yield* Pipeline.run(cdcToStar, {
    pipeline: cdcToStar.name,
    runId,
    // Not recorded anywhere, so no code version to name.
    version: "unrecorded",
    params: { _tag: "Incremental" },
    trigger: "manual"
  }).pipe(
    Effect.provide(Layer.mergeAll(DeadLetters.layer, Layer.succeed(CdcPrefetch, prefetch))),
    Effect.provideService(BatchLimit, options.limit ?? DEFAULT_LIMIT)
  )
  return output
})

/** One run of `cdc_to_star` with a read-ahead of its own: `more` says that changes are still waiting. */
export const runOnce = (options: Options = {}) =>
  Effect.scoped(Effect.flatMap(makePrefetch, (prefetch) => runWith(prefetch, options)))

/**
 * `cdc_to_star` run after run until it has caught up (a backlog, a catch-up),
 * as the runner works off a backlog: each run reads the next batch ahead while
 * its own loads, and the next run takes it.
 */
export const drain = (options: Options = {}) => Effect.scoped(drainWith(options))

const drainWith = Effect.fn("RunCdcToStar.drain")(function* (options: Options) {
  const prefetch = yield* makePrefetch
  const reports: Array<Effect.Success<ReturnType<typeof runWith>>> = []
  while (true) {
    const report = yield* runWith(prefetch, options)
    reports.push(report)
    if (!report.more) return { reports }
  }
})
