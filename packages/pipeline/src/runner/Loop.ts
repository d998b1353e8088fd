import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Cause, Clock, Deferred, Duration, Effect, Fiber, Layer, Option, Queue, Schedule } from "effect"
import type * as Pipeline from "../dsl/Pipeline.ts"
import { Runner, RunnerCore } from "../Runner.ts"
import { RunnerSettings } from "./Settings.ts"

/** Offers a wake-up for each notification on `channel`; a lost connection listens again. */
const listen = (
  name: string,
  channel: string,
  wake: Queue.Queue<Pipeline.Trigger | "check">,
  oltp: OltpSql["Service"]
) =>
  Effect.scoped(
    Effect.gen(function* () {
      const notifications = yield* oltp.listen(channel)
      yield* Effect.logDebug(`${name}: listening on ${channel}`)
      return yield* Queue.take(notifications).pipe(Effect.andThen(Queue.offer(wake, "notify")), Effect.forever)
    })
  ).pipe(
    Effect.tapError((e) => Effect.logWarning(`${name}: LISTEN ${channel} lost (${e.message}); listening again`)),
    Effect.retry(Schedule.spaced("1 second"))
  )

/** What each pipeline's worker shares with the others. */
export interface Shared {
  readonly runner: Runner["Service"]
  readonly oltp: OltpSql["Service"]
  readonly stop: Deferred.Deferred<void>
  readonly wakes: ReadonlyMap<string, Queue.Queue<Pipeline.Trigger | "check">>
}

/**
 * One pipeline's worker: its schedule and channel offer wake-ups, and the
 * worker runs it once per wake-up until the stop, waking its followers after
 * a run that wrote rows. Returns the worker's fiber.
 */
export const startPipeline = Effect.fn("RunnerSchedules.startPipeline")(function* (
  { runner, oltp, stop, wakes }: Shared,
  entry: Runner["Service"]["pipelines"][number]
) {
  const stopped = Deferred.await(stop).pipe(Effect.as(undefined))
  const name = entry.pipeline.name
  const wake = wakes.get(name)!
  const followers = runner.pipelines.filter((e) => e.after?.pipeline === name).map((e) => wakes.get(e.pipeline.name)!)
  yield* Queue.offer(wake, "schedule").pipe(Effect.repeat(entry.scheduleSpec.schedule), Effect.forkScoped)
  if (entry.notifyChannel !== undefined) {
    yield* Effect.forkScoped(listen(name, entry.notifyChannel, wake, oltp))
  }
  // Notifications on only while waiting (OLTP V5): off when one wakes us,
  // on again once caught up, then one more look for what committed
  // between the last batch's bound and the arming, which notified nobody.
  const wakeup = entry.wakeup
  const flip = (effect: Effect.Effect<unknown, unknown, OltpSql>, what: string) =>
    effect.pipe(
      Effect.provideService(OltpSql, oltp),
      Effect.asVoid,
      Effect.catchCause((cause) => Effect.logWarning(`${name}: could not ${what} the wake-up: ${Cause.pretty(cause)}`))
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
        if (wait > 0 && (yield* Effect.raceFirst(Effect.sleep(wait).pipe(Effect.as(true)), stopped)) === undefined)
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
    const workers = yield* Effect.forEach(runner.pipelines, (entry) =>
      startPipeline({ runner, oltp, stop, wakes }, entry)
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
 * The long-lived runner: schedules and NOTIFY wake-ups over `RunnerCore`. Needs
 * `OltpSql` and `OlapSql`; the status endpoint (`RunnerStatusHttp`) is the caller's to add.
 */
export const RunnerLive = RunnerSchedules.pipe(Layer.provideMerge(RunnerCore))
