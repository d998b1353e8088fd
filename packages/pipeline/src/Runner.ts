import type { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { Cause, Context, DateTime, Duration, Effect, Exit, Layer, Semaphore } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { CdcPrefetch } from "./cdc/Prefetch.ts"
import { DeadLetters } from "./dsl/DeadLetters.ts"
import * as Pipeline from "./dsl/Pipeline.ts"
import { PIPELINES, pipelineNames, type Registered } from "./pipelines/Registry.ts"
import { type RecordedRun, RunHistory } from "./RunHistory.ts"
import { RunnerError, RunnerFailed, UnknownPipeline } from "./runner/Errors.ts"
import { checkMigrations } from "./runner/Migrations.ts"
import { afterInterval, parseSchedule, type ScheduleSpec } from "./runner/Schedules.ts"
import { RunnerSettings } from "./runner/Settings.ts"

/** A finished run and whether more work is waiting right now. */
export interface RunOutcome {
  readonly run: RecordedRun
  readonly more: boolean
  readonly recorded: boolean
  /** The pipeline's own account of the run, for the runner's log. */
  readonly report?: string | null | undefined
  /** Its commit was refused: another runner had moved the watermark first (see `RunSummary.superseded`). */
  readonly superseded: boolean
}

export interface PipelineState {
  readonly name: string
  readonly version: string
  readonly schedule: string
  readonly notifyChannel: string | null
  readonly running: boolean
  readonly runningSince: Date | null
  readonly lastCheckAt: Date | null
  readonly lastRun: RecordedRun | null
}

export interface RunnerStatus {
  readonly pipelines: ReadonlyArray<
    PipelineState & {
      readonly lag: {
        readonly events: number
        readonly seconds: number
        readonly oldestOpenTransactionSeconds?: number | undefined
      } | null
    }
  >
  readonly recentRuns: ReadonlyArray<RecordedRun>
}

/** A registered pipeline with its version, its schedule as configured and a lock of its own. */
const prepareEntry = Effect.fn("Runner.prepareEntry")(function* (
  entry: Registered,
  settings: RunnerSettings["Service"]
) {
  const version = yield* Pipeline.version(entry.pipeline).pipe(
    Effect.mapError((e) => new RunnerError({ reason: new RunnerFailed({ message: e.message }) }))
  )
  const scheduleSpec = settings.schedules.get(entry.pipeline.name) ?? (yield* parseSchedule(entry.schedule))
  const minInterval =
    entry.after === undefined
      ? undefined
      : (settings.afterIntervals.get(entry.pipeline.name) ?? afterInterval(entry.after))
  return { ...entry, version, scheduleSpec, minInterval, lock: Semaphore.makeUnsafe(1) }
})

/** What wakes a pipeline, in words: its schedule as configured, and the pipeline it runs after. */
export const scheduleText = (
  e: Registered & { readonly scheduleSpec: ScheduleSpec; readonly minInterval: Duration.Duration | undefined }
) =>
  e.after === undefined || e.minInterval === undefined
    ? e.scheduleSpec.text
    : `${e.scheduleSpec.text} + after ${e.after.pipeline} wrote rows (≥ ${Duration.format(e.minInterval)} apart)`

/** A pipeline's state before its first run: what `status` shows of it. */
const initialState = (
  e: Registered & {
    readonly version: string
    readonly scheduleSpec: ScheduleSpec
    readonly minInterval: Duration.Duration | undefined
  }
): PipelineState => ({
  name: e.pipeline.name,
  version: e.version,
  schedule: scheduleText(e),
  notifyChannel: e.notifyChannel ?? null,
  running: false,
  runningSince: null,
  lastCheckAt: null,
  lastRun: null
})

/**
 * What a run's exit means for the record: a success (recorded when it read
 * something or was asked for), a failure (always recorded), or `undefined`
 * for a run stopped mid-way, whose transaction rolled back.
 */
const outcomeOf = (
  exit: Exit.Exit<Pipeline.RunResult<unknown>, Pipeline.RunFailed>,
  base: Omit<RecordedRun, "status" | "rowsRead" | "rowsWritten" | "lagEvents" | "lagSeconds" | "steps" | "error">,
  summarize: (output: unknown) => Pipeline.RunSummary
): RunOutcome | undefined => {
  if (Exit.isSuccess(exit)) {
    const summary = summarize(exit.value.output)
    return {
      run: {
        ...base,
        status: "succeeded",
        rowsRead: summary.rowsRead,
        rowsWritten: summary.rowsWritten,
        lagEvents: summary.lagEvents ?? null,
        lagSeconds: summary.lagSeconds ?? null,
        steps: exit.value.steps,
        error: null
      },
      more: summary.more,
      superseded: summary.superseded === true,
      recorded: summary.rowsRead > 0 || base.trigger === "manual" || base.trigger === "backfill",
      report: summary.report
    }
  }
  if (Cause.hasInterruptsOnly(exit.cause)) return undefined
  const failure = Cause.squash(exit.cause)
  const failed = failure instanceof Pipeline.RunFailed ? failure : undefined
  return {
    run: {
      ...base,
      status: "failed",
      rowsRead: 0,
      rowsWritten: 0,
      lagEvents: null,
      lagSeconds: null,
      steps: failed?.steps ?? [],
      error: failed?.message ?? Cause.pretty(exit.cause)
    },
    more: false,
    superseded: false,
    recorded: true
  }
}

/** The registered pipeline of that name, or a refusal naming those there are. */
const entryNamed = <E extends { readonly pipeline: { readonly name: string } }>(
  entries: ReadonlyArray<E>,
  name: string
): Effect.Effect<E, RunnerError> => {
  const entry = entries.find((e) => e.pipeline.name === name)
  return entry !== undefined
    ? Effect.succeed(entry)
    : Effect.fail(
        new RunnerError({
          reason: new UnknownPipeline({
            message: `There is no pipeline "${name}": the pipelines are ${pipelineNames()}.`
          })
        })
      )
}

/** A failed run in the log; a run that counts in the history (a failure to record it is only logged). */
const report = Effect.fn("Runner.report")(function* (history: RunHistory["Service"], outcome: RunOutcome) {
  const { pipeline, runId } = outcome.run
  if (outcome.run.status === "failed") {
    yield* Effect.logWarning(`${pipeline}: run ${runId} failed: ${outcome.run.error}`)
  }
  if (outcome.recorded) {
    yield* history
      .record(outcome.run)
      .pipe(Effect.catch((e) => Effect.logWarning(`${pipeline}: could not record run ${runId}: ${e.message}`)))
  }
})

/**
 * Runs registered pipelines and records each run (`pipeline_runs`): one run of
 * a pipeline at a time in this process (two processes are kept apart by the
 * watermark's compare-and-set). A run that found nothing to do on a schedule
 * tick or a notification is not recorded: the run list shows work, not polls;
 * `lastCheckAt` in the status shows the runner is alive.
 */
export class Runner extends Context.Service<
  Runner,
  {
    readonly run: (
      name: string,
      options?: { readonly params?: Pipeline.RunParams; readonly trigger?: Pipeline.Trigger }
    ) => Effect.Effect<RunOutcome, RunnerError>
    readonly status: (options?: { readonly limit?: number }) => Effect.Effect<RunnerStatus, SqlError>
    readonly pipelines: ReadonlyArray<
      Registered & {
        readonly version: string
        readonly scheduleSpec: ScheduleSpec
        /** For a pipeline run after another's loads: the least time between two of its runs. */
        readonly minInterval: Duration.Duration | undefined
      }
    >
  }
>()("@brewlytics/pipeline/Runner") {
  /** Over the registered pipelines. */
  static readonly layer = Layer.unwrap(Effect.sync(() => Runner.layerFor(PIPELINES)))

  /** Over the given pipelines: tests run their own. */
  static readonly layerFor = (registry: ReadonlyMap<string, Registered>) =>
    Layer.effect(
      Runner,
      Effect.gen(function* () {
        yield* checkMigrations()
        const settings = yield* RunnerSettings
        const history = yield* RunHistory
        const services = yield* Effect.context<OltpSql | OlapSql | DeadLetters | CdcPrefetch>()
        const entries = yield* Effect.forEach([...registry.values()], (entry) => prepareEntry(entry, settings))
        const states = new Map<string, PipelineState>(entries.map((e) => [e.pipeline.name, initialState(e)]))
        const update = (name: string, patch: Partial<PipelineState>) =>
          Effect.sync(() => states.set(name, { ...states.get(name)!, ...patch }))

        const run = Effect.fn("Runner.run")(function* (
          name: string,
          options: { readonly params?: Pipeline.RunParams; readonly trigger?: Pipeline.Trigger } = {}
        ) {
          const entry = yield* entryNamed(entries, name)
          const params = options.params ?? { _tag: "Incremental" }
          const trigger = options.trigger ?? "manual"
          return yield* entry.lock.withPermits(1)(
            Effect.gen(function* () {
              const runId = yield* Pipeline.newRunId(name)
              const startedAt = yield* DateTime.nowAsDate
              yield* update(name, { running: true, runningSince: startedAt })
              const exit = yield* Pipeline.run(entry.pipeline, {
                pipeline: name,
                runId,
                version: entry.version,
                params,
                trigger
              }).pipe(Effect.provideContext(services), Effect.exit)
              const endedAt = yield* DateTime.nowAsDate
              const base = { runId, pipeline: name, version: entry.version, trigger, params, startedAt, endedAt }
              const outcome = outcomeOf(exit, base, entry.pipeline.summary)
              if (outcome === undefined) {
                // Stopped mid-run: the batch's transaction rolled back, nothing to record.
                yield* update(name, { running: false, runningSince: null })
                return yield* Effect.interrupt
              }
              yield* report(history, outcome)
              yield* update(name, {
                running: false,
                runningSince: null,
                lastCheckAt: endedAt,
                ...(outcome.recorded ? { lastRun: outcome.run } : {})
              })
              return outcome
            })
          )
        })

        const status = Effect.fn("Runner.status")(function* (options: { readonly limit?: number } = {}) {
          const recentRuns = yield* history.recent({ limit: options.limit ?? 20 })
          const pipelines = yield* Effect.forEach(entries, (entry) =>
            (entry.lag ?? Effect.succeed(null)).pipe(
              Effect.provideContext(services),
              Effect.orElseSucceed(() => null),
              Effect.map((lag) => ({ ...states.get(entry.pipeline.name)!, lag }))
            )
          )
          return { pipelines, recentRuns }
        })

        return Runner.of({ run, status, pipelines: entries })
      })
    )
}

/** The runner's services over the pools the caller built: `RunnerLive` adds the schedules for a long-running process. */
export const RunnerCore = Runner.layer.pipe(
  // CdcPrefetch: in the runs' context, so that cdc_to_star reads ahead through a backlog.
  Layer.provideMerge(Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CdcPrefetch.layer)),
  Layer.provideMerge(RunnerSettings.layer)
)
