import { createServer } from "node:http"
import { apiToken, requireToken } from "@brewlytics/db/AccessToken.ts"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import {
  appliedMigrations,
  loadMigrations,
  MIGRATION_DIRS,
  type Target,
  verifyHistory
} from "@brewlytics/db/Migrator.ts"
import { NodeHttpServer } from "@effect/platform-node"
import {
  Cause,
  Clock,
  Config,
  Context,
  Cron,
  DateTime,
  Deferred,
  Duration,
  Effect,
  Exit,
  Fiber,
  Layer,
  Option,
  Queue,
  type Redacted,
  Schedule,
  Schema,
  Semaphore
} from "effect"
import { HttpRouter, HttpServerResponse } from "effect/http"
import type { SqlError } from "effect/sql/SqlError"
import { CdcPrefetch } from "./cdc/Prefetch.ts"
import { DeadLetters } from "./dsl/DeadLetters.ts"
import * as Pipeline from "./dsl/Pipeline.ts"
import { PIPELINES, pipelineNames, type Registered } from "./pipelines/Registry.ts"
import { type RecordedRun, RunHistory } from "./RunHistory.ts"

export class RunnerError extends Schema.TaggedError<RunnerError>()("RunnerError", {
  reason: Schema.Literals(["MigrationsDiffer", "UnknownPipeline", "BadSchedule", "Failed"]),
  message: Schema.String
}) {}

/** A schedule as configured: its text (for status) and the `Schedule` it means. */
export interface ScheduleSpec {
  readonly text: string
  readonly schedule: Schedule.Schedule<unknown>
}

const CRON_FIELDS = /^\S+(\s+\S+){4,5}$/

/** "5 seconds" → `Schedule.spaced`; "*\/5 * * * *" (5 or 6 fields) → `Schedule.cron`. */
export const parseSchedule = (text: string): Effect.Effect<ScheduleSpec, RunnerError> => {
  const trimmed = text.trim()
  if (CRON_FIELDS.test(trimmed) && !/^\d+(\.\d+)?\s+\w+$/.test(trimmed)) {
    return Effect.mapError(
      Effect.fromResult(Cron.parse(trimmed, "UTC")),
      (e) =>
        new RunnerError({
          reason: "BadSchedule",
          message: `"${text}" is not a valid cron expression (${e.message}): use 5 fields such as "*/5 * * * *", or a spacing such as "5 seconds".`
        })
    ).pipe(Effect.map((cron) => ({ text: trimmed, schedule: Schedule.cron(cron) as Schedule.Schedule<unknown> })))
  }
  return Option.match(Duration.fromInput(trimmed as Duration.Input), {
    onNone: () =>
      Effect.fail(
        new RunnerError({
          reason: "BadSchedule",
          message: `"${text}" is neither a spacing such as "5 seconds" nor a cron expression such as "*/5 * * * *": fix it.`
        })
      ),
    onSome: (every) => Effect.succeed({ text: `every ${Duration.format(every)}`, schedule: Schedule.spaced(every) })
  })
}

/** A registered pipeline's default least interval between its runs after another's loads. */
const afterInterval = (after: NonNullable<Registered["after"]>): Duration.Duration =>
  Option.getOrElse(Duration.fromInput(after.minInterval as Duration.Input), () => Duration.seconds(10))

/** The runner's own settings, read through `Config` when it starts. */
export class RunnerSettings extends Context.Service<
  RunnerSettings,
  {
    /** The status endpoint's port (`RUNNER_PORT`, default 8001; 0 = any free port). */
    readonly port: number
    /** The status endpoint's address (`RUNNER_HOST`, default 127.0.0.1: this machine only). */
    readonly host: string
    /** `API_TOKEN`: set, `/status` needs `Authorization: Bearer <token>`, as the API's write routes do. */
    readonly token: Option.Option<Redacted.Redacted>
    /** Per pipeline: `PIPELINE_SCHEDULE_<NAME>` or the pipeline's default. */
    readonly schedules: ReadonlyMap<string, ScheduleSpec>
    /** How long a stop waits for the batch in flight to commit before rolling it back. */
    readonly stopGrace: Duration.Duration
    /**
     * Per pipeline run after another's loads, where `PIPELINE_AFTER_INTERVAL_<NAME>`
     * is set: the least time between two of its runs (else the pipeline's default).
     */
    readonly afterIntervals: ReadonlyMap<string, Duration.Duration>
  }
>()("@brewlytics/pipeline/RunnerSettings") {
  static readonly layer = Layer.effect(
    RunnerSettings,
    Effect.gen(function* () {
      const { port, host, token, stopGrace } = yield* Config.all({
        // 0 is allowed (any free port), which Config.Port refuses.
        port: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), "RUNNER_PORT").pipe(
          Config.withDefault(8001)
        ),
        host: Config.String("RUNNER_HOST").pipe(Config.withDefault("127.0.0.1")),
        token: apiToken,
        stopGrace: Config.Duration("RUNNER_STOP_GRACE").pipe(Config.withDefault(Duration.seconds(30)))
      })
      const schedules = new Map<string, ScheduleSpec>()
      const afterIntervals = new Map<string, Duration.Duration>()
      for (const [name, entry] of PIPELINES) {
        const text = yield* Config.String(`PIPELINE_SCHEDULE_${name.toUpperCase()}`).pipe(
          Config.withDefault(entry.schedule)
        )
        schedules.set(name, yield* parseSchedule(text))
        if (entry.after !== undefined) {
          // Only what is set: the runner falls back to the pipeline's own default.
          const interval = yield* Config.Duration(`PIPELINE_AFTER_INTERVAL_${name.toUpperCase()}`).pipe(Config.option)
          if (Option.isSome(interval)) afterIntervals.set(name, interval.value)
        }
      }
      return RunnerSettings.of({ port, host, token, schedules, stopGrace, afterIntervals })
    })
  )
}

/**
 * Refuses databases whose applied migrations are not exactly the ones this
 * build ships: an edited, unknown or missing migration, named with both versions.
 */
export const checkMigrations = Effect.fn("Runner.checkMigrations")(function* () {
  const check = (target: Target, sql: OltpSql["Service"]) =>
    Effect.gen(function* () {
      const label = target.toUpperCase()
      const shipped = yield* loadMigrations(MIGRATION_DIRS[target])
      const applied = yield* appliedMigrations(sql)
      yield* verifyHistory(label, shipped, applied)
      const appliedVersions = new Set(applied.map((a) => a.version))
      const missing = shipped.filter((m) => !appliedVersions.has(m.version))
      if (missing.length > 0) {
        const at = applied.at(-1)?.version ?? 0
        return yield* new RunnerError({
          reason: "MigrationsDiffer",
          message: `The ${label} database is at V${at}, this build ships V${shipped.at(-1)!.version} (${missing
            .map((m) => m.script)
            .join(", ")} not applied): run \`brewlytics migrate\` first.`
        })
      }
    }).pipe(
      Effect.mapError((e) =>
        e._tag === "RunnerError"
          ? e
          : new RunnerError({ reason: "MigrationsDiffer", message: `The runner will not start: ${e.message}` })
      )
    )
  yield* check("oltp", yield* OltpSql)
  yield* check("olap", yield* OlapSql)
})

/** A finished run and whether more work is waiting right now. */
export interface RunOutcome {
  readonly run: RecordedRun
  readonly more: boolean
  readonly recorded: boolean
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
        readonly oldestOpenTransactionSeconds: number
      } | null
    }
  >
  readonly recentRuns: ReadonlyArray<RecordedRun>
}

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
        const services = yield* Effect.context<OltpSql | OlapSql | DeadLetters>()
        const entries = yield* Effect.forEach([...registry.values()], (entry) =>
          Effect.gen(function* () {
            const version = yield* Pipeline.version(entry.pipeline).pipe(
              Effect.mapError((e) => new RunnerError({ reason: "Failed", message: e.message }))
            )
            const scheduleSpec = settings.schedules.get(entry.pipeline.name) ?? (yield* parseSchedule(entry.schedule))
            const minInterval =
              entry.after === undefined
                ? undefined
                : (settings.afterIntervals.get(entry.pipeline.name) ?? afterInterval(entry.after))
            return { ...entry, version, scheduleSpec, minInterval, lock: Semaphore.makeUnsafe(1) }
          })
        )
        const states = new Map<string, PipelineState>(
          entries.map((e) => [
            e.pipeline.name,
            {
              name: e.pipeline.name,
              version: e.version,
              schedule:
                e.after === undefined || e.minInterval === undefined
                  ? e.scheduleSpec.text
                  : `${e.scheduleSpec.text} + after ${e.after.pipeline} wrote rows (≥ ${Duration.format(e.minInterval)} apart)`,
              notifyChannel: e.notifyChannel ?? null,
              running: false,
              runningSince: null,
              lastCheckAt: null,
              lastRun: null
            }
          ])
        )
        const update = (name: string, patch: Partial<PipelineState>) =>
          Effect.sync(() => states.set(name, { ...states.get(name)!, ...patch }))

        const run = Effect.fn("Runner.run")(function* (
          name: string,
          options: { readonly params?: Pipeline.RunParams; readonly trigger?: Pipeline.Trigger } = {}
        ) {
          const entry = entries.find((e) => e.pipeline.name === name)
          if (entry === undefined) {
            return yield* new RunnerError({
              reason: "UnknownPipeline",
              message: `There is no pipeline "${name}": the pipelines are ${pipelineNames()}.`
            })
          }
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
              }).pipe(
                Effect.provideContext(services),
                (effect) => effect as Effect.Effect<Pipeline.RunResult<unknown>, Pipeline.RunFailed>,
                Effect.exit
              )
              const endedAt = yield* DateTime.nowAsDate
              const base = { runId, pipeline: name, version: entry.version, trigger, params, startedAt, endedAt }
              let outcome: RunOutcome
              if (Exit.isSuccess(exit)) {
                const summary = entry.pipeline.summary(exit.value.output)
                const recordIt = summary.rowsRead > 0 || trigger === "manual" || trigger === "backfill"
                outcome = {
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
                  recorded: recordIt
                }
              } else if (Cause.hasInterruptsOnly(exit.cause)) {
                // Stopped mid-run: the batch's transaction rolled back, nothing to record.
                yield* update(name, { running: false, runningSince: null })
                return yield* Effect.interrupt
              } else {
                const failure = Cause.squash(exit.cause)
                const failed = failure instanceof Pipeline.RunFailed ? failure : undefined
                outcome = {
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
                  recorded: true
                }
                yield* Effect.logWarning(`${name}: run ${runId} failed: ${outcome.run.error}`)
              }
              if (outcome.recorded) {
                yield* history
                  .record(outcome.run)
                  .pipe(Effect.catch((e) => Effect.logWarning(`${name}: could not record run ${runId}: ${e.message}`)))
              }
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

/**
 * The schedules: each pipeline runs on its schedule and, if it has a channel,
 * whenever OLTP notifies it. Wake-ups fold into one pending run (a sliding
 * queue of one), and a run that left work waiting runs again at once, so a
 * rush is worked off in bounded batches back to back, never in one huge one.
 * A pipeline registered `after` another (`warehouse_models` after
 * `cdc_to_star`) is also woken by each of that one's runs that wrote rows,
 * into the same slot, and runs at least its `minInterval` apart: a burst of
 * loads causes at most one pending models run, never two at once.
 * Stopping lets the batch in flight finish (up to `stopGrace`; after that it
 * is interrupted and its transaction rolls back): never half a batch.
 */
export const RunnerSchedules = Layer.effectDiscard(
  Effect.gen(function* () {
    const runner = yield* Runner
    const settings = yield* RunnerSettings
    const oltp = yield* OltpSql
    const stop = yield* Deferred.make<void>()
    // One wake-up slot per pipeline: a burst of wake-ups while it runs folds into one pending run.
    const wakes = new Map<string, Queue.Queue<Pipeline.Trigger | "check">>()
    for (const entry of runner.pipelines) {
      wakes.set(entry.pipeline.name, yield* Queue.sliding<Pipeline.Trigger | "check">(1))
    }
    const stopped = Deferred.await(stop).pipe(Effect.as(undefined))
    const workers = yield* Effect.forEach(runner.pipelines, (entry) =>
      Effect.gen(function* () {
        const name = entry.pipeline.name
        const wake = wakes.get(name)!
        const followers = runner.pipelines
          .filter((e) => e.after?.pipeline === name)
          .map((e) => wakes.get(e.pipeline.name)!)
        yield* Queue.offer(wake, "schedule").pipe(Effect.repeat(entry.scheduleSpec.schedule), Effect.forkScoped)
        if (entry.notifyChannel !== undefined) {
          const channel = entry.notifyChannel
          yield* Effect.scoped(
            Effect.gen(function* () {
              const notifications = yield* oltp.listen(channel)
              yield* Effect.logDebug(`${name}: listening on ${channel}`)
              return yield* Queue.take(notifications).pipe(Effect.andThen(Queue.offer(wake, "notify")), Effect.forever)
            })
          ).pipe(
            Effect.tapError((e) =>
              Effect.logWarning(`${name}: LISTEN ${channel} lost (${e.message}); listening again`)
            ),
            Effect.retry(Schedule.spaced("1 second")),
            Effect.forkScoped
          )
        }
        // Notifications on only while waiting (OLTP V5): off when one wakes us,
        // on again once caught up, then one more look for what committed
        // between the last batch's bound and the arming, which notified nobody.
        const wakeup = entry.wakeup
        const flip = (effect: Effect.Effect<unknown, unknown, OltpSql>, what: string) =>
          effect.pipe(
            Effect.provideService(OltpSql, oltp),
            Effect.asVoid,
            Effect.catchCause((cause) =>
              Effect.logWarning(`${name}: could not ${what} the wake-up: ${Cause.pretty(cause)}`)
            )
          )
        let armed = true
        if (wakeup !== undefined) yield* flip(wakeup.arm, "arm")
        let lastStart: number | undefined
        const work: Effect.Effect<void> = Effect.gen(function* () {
          while (!(yield* Deferred.isDone(stop))) {
            const next = yield* Effect.raceFirst(Queue.take(wake), stopped)
            if (next === undefined || (yield* Deferred.isDone(stop))) return
            // A pipeline run after others' loads keeps its distance; wake-ups meanwhile fold into this one.
            if (entry.minInterval !== undefined && lastStart !== undefined) {
              const wait = Duration.toMillis(entry.minInterval) - ((yield* Clock.currentTimeMillis) - lastStart)
              if (
                wait > 0 &&
                (yield* Effect.raceFirst(Effect.sleep(wait).pipe(Effect.as(true)), stopped)) === undefined
              )
                return
            }
            lastStart = yield* Clock.currentTimeMillis
            const trigger: Pipeline.Trigger = next === "check" ? "notify" : next
            if (wakeup !== undefined && armed && next === "notify") {
              armed = false
              yield* flip(wakeup.disarm, "disarm")
            }
            const outcome = yield* runner.run(name, { trigger }).pipe(Effect.option)
            const succeeded = Option.isSome(outcome) && outcome.value.run.status === "succeeded"
            if (succeeded && outcome.value.run.rowsWritten > 0) {
              for (const follower of followers) yield* Queue.offer(follower, "after")
            }
            if (Option.isSome(outcome) && outcome.value.more) {
              yield* Queue.offer(wake, next)
            } else if (wakeup !== undefined && !armed && succeeded && outcome.value.run.rowsRead > 0) {
              // Changes are flowing: look again at once, still disarmed, so that commits under steady
              // traffic send no NOTIFY and the wake-up is not flipped twice per two runs. Armed again
              // (below) only after a run that found nothing.
              yield* Queue.offer(wake, "check")
            } else if (wakeup !== undefined && !armed) {
              armed = true
              yield* flip(wakeup.arm, "arm")
              yield* Queue.offer(wake, "check")
            }
          }
        })
        return yield* Effect.forkScoped(work)
      })
    )
    // Added after the forks, so it runs before they are interrupted.
    yield* Effect.addFinalizer(() =>
      Deferred.succeed(stop, undefined).pipe(
        Effect.andThen(Fiber.awaitAll(workers).pipe(Effect.timeoutOption(settings.stopGrace))),
        // Nobody waits any more: captures need not notify.
        Effect.andThen(
          Effect.forEach(runner.pipelines, (entry) =>
            entry.wakeup === undefined
              ? Effect.void
              : entry.wakeup.disarm.pipe(Effect.provideService(OltpSql, oltp), Effect.ignore)
          )
        ),
        Effect.andThen(Effect.logInfo("Pipeline runner stopped"))
      )
    )
    yield* Effect.logInfo(
      `Pipeline runner: ${runner.pipelines
        .map(
          (e) =>
            `${e.pipeline.name} (version ${e.version}, ${e.scheduleSpec.text}${
              e.notifyChannel === undefined ? "" : `, on NOTIFY ${e.notifyChannel}`
            })`
        )
        .join("; ")}`
    )
  })
)

/** `GET /status`: the runner's pipelines, their lag and the recent runs, as JSON; with `API_TOKEN` set it needs the token. */
export const RunnerHttpApp = Layer.unwrap(
  Effect.map(RunnerSettings, ({ token }) =>
    HttpRouter.serve(
      HttpRouter.add(
        "GET",
        "/status",
        requireToken(
          token,
          "/status"
        )(
          Effect.gen(function* () {
            const runner = yield* Runner
            const status = yield* runner.status()
            return HttpServerResponse.jsonUnsafe(status)
          }).pipe(
            Effect.catch((e) =>
              Effect.succeed(
                HttpServerResponse.jsonUnsafe(
                  { error: `Could not read the run history: ${e.message}` },
                  { status: 503 }
                )
              )
            )
          )
        )
      ),
      { disableLogger: true }
    )
  )
)

/** The status endpoint on `RUNNER_HOST`:`RUNNER_PORT`; its `HttpServer` says where it listens. */
export const RunnerHttp = Layer.unwrap(
  Effect.map(RunnerSettings, (settings) =>
    RunnerHttpApp.pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: settings.port, host: settings.host }))
    )
  )
)

/** The runner's services over the pools `main` built: add `RunnerLive` to a long-running process. */
export const RunnerCore = Runner.layer.pipe(
  // CdcPrefetch: in the runs' context, so that cdc_to_star reads ahead through a backlog.
  Layer.provideMerge(Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CdcPrefetch.layer)),
  Layer.provideMerge(RunnerSettings.layer)
)

/** The long-lived runner: schedules, NOTIFY wake-ups, status over HTTP. Needs `OltpSql` and `OlapSql`. */
export const RunnerLive = Layer.mergeAll(RunnerSchedules, RunnerHttp).pipe(Layer.provideMerge(RunnerCore))
