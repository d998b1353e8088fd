import { Clock, Duration, Effect, Schedule } from "effect"

// What the runner tells the terminal about its work, as dbt and Airflow do:
// a line when a pipeline becomes busy and when it is idle again (after a
// quiet spell, so that a steady trickle of orders is one busy spell, not a
// pair of lines per order), a summary every so often while busy (progress
// toward the bound when it is catching up on a backlog), a line per run for
// a pipeline that describes its runs, and nothing for a look that found no
// work.
//
// The pure core is `afterRun` and `onTick` (state in, state and lines out);
// `makeActivityLog` holds a state per pipeline and logs the lines.

/** A finished run, as far as the log cares. Times are epoch milliseconds. */
export interface Finished {
  readonly pipeline: string
  readonly status: "succeeded" | "failed"
  readonly startedAt: number
  readonly endedAt: number
  /** Events (or changed days) the run read. */
  readonly read: number
  readonly written: number
  /** What was still waiting after the run, if the pipeline measures it. */
  readonly lagEvents: number | null
  /** The batch was full: more is waiting. */
  readonly more: boolean
  /** The pipeline's own one-line account of the run: such a pipeline is logged run by run (`null`: nothing to say). */
  readonly report: string | null | undefined
}

/** A spell of work: from the first run that found something to the last one. */
export interface Busy {
  readonly _tag: "Busy"
  readonly since: number
  readonly lastAt: number
  readonly events: number
  readonly batches: number
  readonly lagEvents: number | null
  /** Catching up: the events loaded plus those still waiting, as last measured; never shrinks. */
  readonly bound: number | null
  /** When the last summary (or the spell) began, and the events loaded by then. */
  readonly markAt: number
  readonly markEvents: number
}

export type Activity = { readonly _tag: "Idle" } | Busy

export const idle: Activity = { _tag: "Idle" }

export interface Line {
  readonly level: "info" | "warning"
  readonly message: string
}

const number = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 })
const count = (n: number) => number.format(n)
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`
const rate = (events: number, ms: number) => (ms <= 0 ? "" : `, ${count((events * 1000) / ms)}/s`)
const lagText = (lag: number | null) => (lag === null ? "" : `, lag ${count(lag)} events`)

/** The bound of a catch-up after `run`: started by a full batch, then only raised. */
const boundAfter = (bound: number | null, events: number, run: Finished) =>
  bound === null && !run.more ? null : Math.max(bound ?? 0, events + (run.lagEvents ?? 0))

/** How often a busy spell is summed up, and how long without work ends it. */
export interface Cadence {
  readonly every: Duration.Duration
  readonly quiet: Duration.Duration
}

/**
 * The log's state after a run, and the lines it says. Idle + a run with work
 * → Busy (one line); a run that found nothing says nothing (`onTick` ends
 * the spell once it has been quiet long enough). A failed run changes
 * nothing here (the runner warns of it itself). A pipeline that reports its
 * runs gets one line per run that did something, and stays idle.
 */
export const afterRun = (state: Activity, run: Finished): readonly [Activity, ReadonlyArray<Line>] => {
  if (run.status === "failed") return [state, []]
  if (run.report !== undefined) {
    return [
      state,
      run.report === null
        ? []
        : [{ level: "info", message: `${run.pipeline}: ${run.report} in ${run.endedAt - run.startedAt} ms` }]
    ]
  }
  if (state._tag === "Idle") {
    if (run.read === 0) return [state, []]
    const bound = boundAfter(null, run.read, run)
    const busy: Busy = {
      _tag: "Busy",
      since: run.startedAt,
      lastAt: run.endedAt,
      events: run.read,
      batches: 1,
      lagEvents: run.lagEvents,
      bound,
      markAt: run.startedAt,
      markEvents: 0
    }
    const message =
      bound === null
        ? `${run.pipeline}: busy: ${count(run.read)} events in the first batch${lagText(run.lagEvents)}`
        : `${run.pipeline}: busy: catching up on a backlog of ${count(bound)} events`
    return [busy, [{ level: "info", message }]]
  }
  if (run.read === 0) return [{ ...state, lagEvents: run.lagEvents ?? state.lagEvents }, []]
  const events = state.events + run.read
  return [
    {
      ...state,
      lastAt: run.endedAt,
      events,
      batches: state.batches + 1,
      lagEvents: run.lagEvents,
      bound: boundAfter(state.bound, events, run)
    },
    []
  ]
}

/**
 * At `now`: a busy spell without work for `quiet` ends (Idle, one line with
 * what it did); one still going is summed up once `every` has passed since
 * the last summary (or since it began).
 */
export const onTick = (
  pipeline: string,
  state: Activity,
  now: number,
  cadence: Cadence
): readonly [Activity, ReadonlyArray<Line>] => {
  if (state._tag === "Idle") return [state, []]
  if (now - state.lastAt >= Duration.toMillis(cadence.quiet)) {
    const ms = state.lastAt - state.since
    return [
      idle,
      [
        {
          level: "info",
          message: `${pipeline}: idle: loaded ${count(state.events)} events in ${count(state.batches)} batch${
            state.batches === 1 ? "" : "es"
          } over ${seconds(ms)}${rate(state.events, ms)}${lagText(state.lagEvents)}`
        }
      ]
    ]
  }
  if (now - state.markAt < Duration.toMillis(cadence.every)) return [state, []]
  const window = now - state.markAt
  const loaded = state.events - state.markEvents
  const message =
    state.bound === null
      ? `${pipeline}: busy: ${count(loaded)} events in the last ${seconds(window)}${rate(loaded, window)}${lagText(state.lagEvents)}`
      : `${pipeline}: catching up: ${count(state.events)} / ${count(state.bound)} events (${Math.floor(
          (100 * state.events) / Math.max(state.bound, 1)
        )}%)${rate(loaded, window)}`
  return [{ ...state, markAt: now, markEvents: state.events }, [{ level: "info", message }]]
}

const log = (lines: ReadonlyArray<Line>) =>
  Effect.forEach(lines, (line) => (line.level === "warning" ? Effect.logWarning : Effect.logInfo)(line.message), {
    discard: true
  })

/**
 * The runner's activity log over the logger in scope: `observe` each finished
 * run; while the scope is open, a look every second says what is due (a
 * summary per `every` per busy pipeline, the end of a spell quiet for `quiet`).
 */
export const makeActivityLog = Effect.fn("ActivityLog.make")(function* (cadence: Cadence) {
  const states = new Map<string, Activity>()
  const observe = (run: Finished) =>
    Effect.suspend(() => {
      const [next, lines] = afterRun(states.get(run.pipeline) ?? idle, run)
      states.set(run.pipeline, next)
      return log(lines)
    })
  const tick = Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    for (const [pipeline, state] of states) {
      const [next, lines] = onTick(pipeline, state, now, cadence)
      states.set(pipeline, next)
      yield* log(lines)
    }
  })
  yield* tick.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.forkScoped)
  return { observe }
})
