import { DatabasesLive, OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { Clock, Console, Effect, Option, type Redacted, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { Stdio } from "effect/Stdio"
import { Terminal } from "effect/Terminal"
import { userFacing } from "../UserFacing.ts"
import { migrateReport } from "./Database.ts"

/** The simulator's modules, loaded when a command runs: other commands do not carry them. */
const simulator = Effect.promise(() =>
  Promise.all([
    import("@brewlytics/api/simulate/Bulk.ts"),
    import("@brewlytics/api/simulate/Live.ts"),
    import("@brewlytics/api/simulate/Settings.ts"),
    import("@brewlytics/api/Settings.ts"),
    import("effect/http/FetchHttpClient")
  ])
).pipe(
  Effect.map(([bulk, live, settings, api, fetch]) => ({
    ...bulk,
    ...live,
    ...settings,
    ...api,
    FetchHttp: fetch.layer
  }))
)

const DAY = 24 * 3_600_000

/** How much history `start` fills into an empty shop: about 14,000 orders, written and loaded within half a minute (README, Simulator). */
export const START_HISTORY_DAYS = 30
/** The seed `start` simulates with, so every fresh start shows the same shop. */
const START_SEED = 1

export class SimulateUsage extends Schema.TaggedError<SimulateUsage>()("SimulateUsage", { message: Schema.String }) {}

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: DAY, w: 7 * DAY }

/** `90d`, `12h`, `2w`, `30m` as milliseconds. */
export const parseSpan = (flag: string, text: string) => {
  const m = /^(\d+)\s*([mhdw])$/.exec(text.trim())
  return m === null || Number(m[1]) === 0
    ? Effect.fail(
        new SimulateUsage({
          message: `--${flag} ${text}: write a positive whole number and a unit, m (minutes), h (hours), d (days) or w (weeks), e.g. --${flag} 90d.`
        })
      )
    : Effect.succeed(Number(m[1]) * UNITS[m[2]!]!)
}

/**
 * Shows a history's progress: a bar redrawn in place on a terminal, a plain
 * line every tenth of the way otherwise (logs, CI).
 */
const progressReporter = Effect.fn("Simulate.progressReporter")(function* (plain: boolean) {
  const tty =
    !plain &&
    (yield* Effect.flatMap(Effect.serviceOption(Stdio), (s) =>
      Option.isSome(s) ? s.value.stdoutIsTerminal : Effect.succeed(false)
    ))
  const terminal = yield* Effect.serviceOption(Terminal)
  let shownTenth = -1
  return (p: { readonly days: number; readonly totalDays: number; readonly orders: number }) => {
    const share = p.days / p.totalDays
    const line = `${p.days}/${p.totalDays} days, ${p.orders.toLocaleString("en")} orders`
    if (tty && Option.isSome(terminal)) {
      const width = 30
      const done = Math.round(share * width)
      return terminal.value
        .display(`\r[${"#".repeat(done)}${".".repeat(width - done)}] ${line}${p.days === p.totalDays ? "\n" : ""}`)
        .pipe(Effect.ignore)
    }
    const tenth = Math.floor(share * 10)
    if (tenth === shownTenth) return Effect.void
    shownTenth = tenth
    return Console.log(`Simulated history: ${line} (${Math.round(share * 100)}%)`)
  }
})

/** Writes the simulated `span` (ms) before now through the bulk path, with progress, and says what it wrote. */
const fillHistory = Effect.fn("Simulate.fillHistory")(function* (
  seed: number,
  span: number,
  options: { readonly plain: boolean } = { plain: false }
) {
  const { writeHistory } = yield* simulator
  const onProgress = yield* progressReporter(options.plain)
  const started = yield* Clock.currentTimeMillis
  const oltp = yield* OltpSql
  const [already] = yield* oltp<{ n: number }>`
    SELECT count(*)::int AS n FROM orders WHERE order_time >= ${new Date(started - span)} AND order_time < ${new Date(started)}`
  if (already !== undefined && already.n > 0) {
    yield* Console.log(
      `Note: OLTP already has ${already.n.toLocaleString("en")} orders in this span; they are kept and the simulated ones are added.`
    )
  }
  const report = yield* writeHistory({ seed, from: started - span, to: started, onProgress })
  const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
  yield* Console.log(
    `Simulated ${report.days} day(s) of history in ${seconds.toFixed(1)} s: ${report.orders.toLocaleString("en")} orders, ${report.followUps} edits and cancellations, ${report.signups} sign-ups, ${report.stockMovements} deliveries and waste records (seed ${seed}).`
  )
})

/** The local API's address and token, from its own settings (`API_PORT`, `API_TOKEN`). */
const localApi = Effect.gen(function* () {
  const { ApiSettings } = yield* simulator
  const settings = yield* Effect.provide(
    Effect.gen(function* () {
      return yield* ApiSettings
    }),
    ApiSettings.layer
  )
  return { baseUrl: `http://127.0.0.1:${settings.port}`, token: Option.getOrUndefined(settings.token) }
})

const runLiveTraffic = Effect.fn("Simulate.runLiveTraffic")(function* (options: {
  readonly seed: number
  readonly baseUrl: string
  readonly token?: Redacted.Redacted | undefined
  readonly speed: number
  readonly span: Option.Option<number>
  readonly waitForApi: number
}) {
  const { runLive, FetchHttp } = yield* simulator
  const from = yield* Clock.currentTimeMillis
  yield* Effect.logInfo(
    `Simulating the café live through ${options.baseUrl} at ${options.speed}× real time (seed ${options.seed})${Option.match(options.span, { onNone: () => ", until stopped", onSome: (s) => ` for ${s / 3_600_000} simulated hour(s)` })}.`
  )
  const report = yield* runLive({
    seed: options.seed,
    baseUrl: options.baseUrl,
    token: options.token,
    speed: options.speed,
    from,
    until: Option.getOrUndefined(Option.map(options.span, (s) => from + s)),
    waitForApi: options.waitForApi
  }).pipe(Effect.provide(FetchHttp))
  yield* Console.log(
    `Sent ${report.sent} simulated event(s), ${report.orders} of them orders; ${report.refused} refused.`
  )
})

export const simulateCommand = Command.make(
  "simulate",
  {
    seed: Flag.Int("seed").pipe(
      Flag.withDescription("Seed of the simulation: the same seed gives the same activity"),
      Flag.withDefault(1)
    ),
    history: Flag.String("history").pipe(
      Flag.withDescription(
        "Backfill this much history before now (e.g. 90d, 12h, 2w) straight into OLTP, with the rows and change events the API would write, then stop"
      ),
      Flag.optional
    ),
    speed: Flag.Finite("speed").pipe(
      Flag.withDescription("Live: simulated time per real time (1 real time, 60 an hour a minute)"),
      Flag.withDefault(1)
    ),
    api: Flag.String("api").pipe(
      Flag.withDescription("Live: the API to send to (default the local one, on API_PORT)"),
      Flag.optional
    ),
    for: Flag.String("for").pipe(
      Flag.withDescription("Live: stop after this much simulated time (e.g. 8h); default never"),
      Flag.optional
    )
  },
  (flags) =>
    Effect.gen(function* () {
      if (Option.isSome(flags.history)) {
        const span = yield* parseSpan("history", flags.history.value)
        // The shop needs its staff and menu: migrate and seed first (both no-ops when done).
        return yield* migrateReport.pipe(
          Effect.andThen(seed),
          Effect.andThen(fillHistory(flags.seed, span)),
          Effect.provide(DatabasesLive)
        )
      }
      if (!(flags.speed > 0)) {
        return yield* new SimulateUsage({ message: `--speed ${flags.speed}: give a positive number, e.g. --speed 60.` })
      }
      const span = Option.isSome(flags.for) ? Option.some(yield* parseSpan("for", flags.for.value)) : Option.none()
      const local = yield* localApi
      const target = Option.match(flags.api, { onNone: () => local, onSome: (baseUrl) => ({ ...local, baseUrl }) })
      yield* runLiveTraffic({ seed: flags.seed, ...target, speed: flags.speed, span, waitForApi: 0 }).pipe(
        Effect.mapError(
          (e) =>
            new SimulateUsage({
              message: `The API at ${target.baseUrl} did not answer (${e instanceof Error ? e.message : String(e)}): start it (brewlytics start, or brewlytics api) or pass --api.`
            })
        )
      )
    }).pipe(userFacing)
).pipe(
  Command.withDescription(
    "Simulate the café: opening hours, rushes, a long-tailed menu, regulars and sign-ups, staff shifts, edits, cancellations, deliveries and waste. Live through the API (--speed), or a backfilled --history"
  )
)

/**
 * What `brewlytics start` simulates, unless `--no-simulate` or SIMULATE=off,
 * to run beside the services: on a shop without orders, the last 30 days of
 * history first (the runner loads it as it is written, so the dashboards are
 * full within a minute), then live traffic through the local API at real pace.
 * Both are a demo: if one fails, it says so and the services go on.
 */
export const simulationOnStart = Effect.fn("Simulate.simulationOnStart")(function* (wanted: boolean) {
  const { SimulationSettings } = yield* simulator
  const { enabled } = yield* Effect.provide(
    Effect.gen(function* () {
      return yield* SimulationSettings
    }),
    SimulationSettings.layer
  )
  if (!wanted || !enabled) {
    yield* Effect.logInfo("Simulation is off (--no-simulate or SIMULATE=off): no history, no live traffic.")
    return { history: Effect.void, live: Effect.void }
  }
  const oltp = yield* OltpSql
  const [row] = yield* oltp<{ any: boolean }>`SELECT EXISTS (SELECT 1 FROM orders) AS any`
  const history =
    row?.any === true
      ? Effect.void
      : Console.log(
          `The shop has no orders yet: simulating the last ${START_HISTORY_DAYS} days (turn this off with --no-simulate or SIMULATE=off).`
        ).pipe(
          // Plain lines: the services log beside it, a bar redrawn in place would be torn.
          Effect.andThen(fillHistory(START_SEED, START_HISTORY_DAYS * DAY, { plain: true })),
          Effect.catchCause((cause) =>
            Effect.logWarning("The simulated history could not be written; the services go on.", cause)
          )
        )
  const local = yield* localApi
  const live = runLiveTraffic({ seed: START_SEED, ...local, speed: 1, span: Option.none(), waitForApi: 60_000 }).pipe(
    Effect.catchCause((cause) => Effect.logWarning("The live simulation stopped; the services go on.", cause))
  )
  return { history, live }
})
