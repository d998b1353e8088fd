import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Cause, Clock, Deferred, Duration, Effect, Fiber, Layer, Option, Queue, Schedule } from "effect"
import type * as Pipeline from "../dsl/Pipeline.ts"
import { Runner, RunnerCore, type RunOutcome, scheduleText } from "../Runner.ts"
import { type Finished, makeActivityLog } from "./Activity.ts"
import { announceRunner } from "./Presence.ts"
import { RunnerPriority } from "./Priority.ts"
import { RunnerSettings } from "./Settings.ts"

/**
 * Offers a wake-up for each notification on `channel`, once PostgreSQL has
 * confirmed the LISTEN (then `ready` is done); a lost connection listens again.
 */
const listen = Effect.fn("RunnerSchedules.listen")(
  function* (
    name: string,
    channel: string,
    wake: Queue.Queue<Pipeline.Trigger | "check">,
    oltp: OltpSql["Service"],
    ready: Deferred.Deferred<void>
  ) {
    const notifications = yield* oltp.listen(channel)
    yield* Deferred.succeed(ready, undefined)
    yield* Effect.logDebug(`${name}: listening on ${channel}`)
    return yield* Queue.take(notifications).pipe(Effect.andThen(Queue.offer(wake, "notify")), Effect.forever)
  },
  Effect.scoped,
  (effect, name, channel) =>
    effect.pipe(
      Effect.tapError((e) => Effect.logWarning(`${name}: LISTEN ${channel} lost (${e.message}); listening again`)),
      Effect.retry(Schedule.spaced("1 second"))
    )
)

/** What each pipeline's worker shares with the others. */
export interface Shared {
  readonly runner: Runner["Service"]
  readonly oltp: OltpSql["Service"]
  readonly stop: Deferred.Deferred<void>
  readonly wakes: ReadonlyMap<string, Queue.Queue<Pipeline.Trigger | "check">>
  /** Tells the activity log (the terminal) what a run did. */
  readonly observe: (run: Finished) => Effect.Effect<void>
}

/** A run's outcome as the activity log reads it. */
const finished = ({ run, more, report }: RunOutcome): Finished => ({
  pipeline: run.pipeline,
  status: run.status,
  startedAt: run.startedAt.getTime(),
  endedAt: run.endedAt.getTime(),
  read: run.rowsRead,
  written: run.rowsWritten,
  lagEvents: run.lagEvents,
  more,
  report
})

/** How long a pipeline's worker waits for its LISTEN before it starts on its schedule alone. */
const LISTEN_WAIT = Duration.seconds(10)

/** How often the log sums up a pipeline's busy spell, and how long without work ends it. */
export const LOG_CADENCE = { every: Duration.seconds(10), quiet: Duration.seconds(5) }

/**
 * One pipeline's worker: its schedule and channel offer wake-ups, and the
 * worker runs it once per wake-up until the stop, waking its followers after
 * a run that wrote rows. Returns the worker's fiber.
 */
export const startPipeline = Effect.fn("RunnerSchedules.startPipeline")(function* (
  { runner, oltp, stop, wakes, observe }: Shared,
  entry: Runner["Service"]["pipelines"][number]
) {
  const stopped = Deferred.await(stop).pipe(Effect.as(undefined))
  const name = entry.pipeline.name
  const wake = wakes.get(name)!
  const followers = runner.pipelines.filter((e) => e.after?.pipeline === name).map((e) => wakes.get(e.pipeline.name)!)
  if (entry.notifyChannel !== undefined) {
    // The first scheduled check comes after the LISTEN holds, so a commit
    // after that check always notifies us (one before it is in the check).
    const ready = yield* Deferred.make<void>()
    yield* Effect.forkScoped(listen(name, entry.notifyChannel, wake, oltp, ready))
    const listening = yield* Deferred.await(ready).pipe(Effect.timeoutOption(LISTEN_WAIT))
    if (Option.isNone(listening)) {
      yield* Effect.logWarning(
        `${name}: LISTEN ${entry.notifyChannel} not confirmed within ${Duration.format(LISTEN_WAIT)}; starting on the schedule alone and listening as soon as the database answers`
      )
    }
  }
  yield* Queue.offer(wake, "schedule").pipe(Effect.repeat(entry.scheduleSpec.schedule), Effect.forkScoped)
  // Notifications on only while waiting (OLTP V5): off when one wakes us,
  // on again once caught up, then one more look for what committed
  // between the last batch's bound and the arming, which notified nobody.
  const wakeup = entry.wakeup
  const flip = (what: "arm" | "disarm") =>
    wakeup === undefined
      ? Effect.void
      : wakeup[what].pipe(
          Effect.provideService(OltpSql, oltp),
          Effect.catchCause((cause) =>
            Effect.logWarning(`${name}: could not ${what} the wake-up: ${Cause.pretty(cause)}`)
          )
        )
  let armed = true
  yield* flip("arm")
  let lastStart: number | undefined
  const work: Effect.Effect<void> = Effect.gen(function* () {
    while (!(yield* Deferred.isDone(stop))) {
      const next = yield* Effect.raceFirst(Queue.take(wake), stopped)
      if (next === undefined || (yield* Deferred.isDone(stop))) return
      // A pipeline run after others' loads keeps its distance; wake-ups meanwhile fold into this one.
      if (entry.minInterval !== undefined && lastStart !== undefined) {
        const wait = Duration.toMillis(entry.minInterval) - ((yield* Clock.currentTimeMillis) - lastStart)
        if (wait > 0 && (yield* Effect.raceFirst(Effect.sleep(wait).pipe(Effect.as(true)), stopped)) === undefined)
          return
      }
      lastStart = yield* Clock.currentTimeMillis
      const trigger: Pipeline.Trigger = next === "check" ? "notify" : next
      if (wakeup !== undefined && armed && next === "notify") {
        armed = false
        yield* flip("disarm")
      }
      const outcome = yield* runner.run(name, { trigger }).pipe(Effect.option)
      if (Option.isSome(outcome)) yield* observe(finished(outcome.value))
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
        yield* flip("arm")
        yield* Queue.offer(wake, "check")
      }
    }
  })
  return yield* Effect.forkScoped(work)
})

/** The line the runner logs when it starts: each pipeline, its version and what wakes it. */
const describeStart = (pipelines: Runner["Service"]["pipelines"]) =>
  `Pipeline runner: ${pipelines
    .map(
      (e) =>
        `${e.pipeline.name} (version ${e.version}, ${e.scheduleSpec.text}${
          e.notifyChannel === undefined ? "" : `, on NOTIFY ${e.notifyChannel}`
        })`
    )
    .join("; ")}`

/** Records this runner in `pipeline_runners` (`Presence.ts`) with its status address and each pipeline as it runs it. */
export const announce = (runner: Runner["Service"], settings: RunnerSettings["Service"]) =>
  announceRunner({
    statusAt: `${settings.host}:${settings.port}`,
    pipelines: runner.pipelines.map((e) => ({
      name: e.pipeline.name,
      version: e.version,
      schedule: scheduleText(e),
      notifyChannel: e.notifyChannel ?? null
    }))
  })

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
    // Its row says it runs until its last finalizer (below: after the workers stopped).
    yield* announce(runner, settings)
    // One wake-up slot per pipeline: a burst of wake-ups while it runs folds into one pending run.
    const wakes = new Map<string, Queue.Queue<Pipeline.Trigger | "check">>()
    for (const entry of runner.pipelines) {
      wakes.set(entry.pipeline.name, yield* Queue.sliding<Pipeline.Trigger | "check">(1))
    }
    const { observe } = yield* makeActivityLog(LOG_CADENCE)
    const workers = yield* Effect.forEach(runner.pipelines, (entry) =>
      startPipeline({ runner, oltp, stop, wakes, observe }, entry)
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
    yield* Effect.logInfo(describeStart(runner.pipelines))
  })
)

/**
 * The long-lived runner: schedules and NOTIFY wake-ups over `RunnerCore`, at
 * the CPU priority of `RUNNER_NICE` (`Priority.ts`). Needs
 * `OltpSql` and `OlapSql`; the status endpoint (`RunnerStatusHttp`) is the caller's to add.
 */
export const RunnerLive = Layer.mergeAll(RunnerSchedules, RunnerPriority).pipe(Layer.provideMerge(RunnerCore))
