/**
 * `npm run rush -- --scenario morning-rush`: the k6 scenarios of loadtest/,
 * the same stages, request mix and payloads (from the same modules), driven
 * from Node in an open model (see Driver.ts) against the whole system
 * started here on a throwaway embedded PostgreSQL, as `brewlytics start`
 * runs it: the API on this process's event loop, the pipeline runner (and the
 * warehouse models after each load) on a thread of its own. The driver runs
 * in a child process, so it neither shares the API's event loop nor counts
 * the API's CPU as its own.
 *
 * Prints requests/s, p50/p95/p99 (from each request's due time), errors and
 * each threshold's verdict; then waits for the pipeline to load everything
 * and reconciles the warehouse with OLTP. Exits non-zero if a threshold is
 * breached or the reconciliation finds a difference.
 *
 * `--find-max` probes constant rates instead (300 orders/s first, the latency
 * goal's rate, then up and down) and prints the highest rate whose p99 stays
 * within 50 ms with no errors.
 */
import { fork } from "node:child_process"
import * as Os from "node:os"
import { withLogging } from "@brewlytics/cli/Logging.ts"
import { lag } from "@brewlytics/pipeline/cdc/Cdc.ts"
import { reconcile } from "@brewlytics/pipeline/Reconcile.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Schedule, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import { openShop, startSystem, throwawayDatabases } from "../../bench/System.ts"
import {
  constantRate,
  durationSeconds,
  isScenarioName,
  peak,
  type Scenario,
  scenarioNames,
  scenarios
} from "../lib/scenarios.ts"
import type { DriverInput, DriverOutput } from "./Driver.ts"
import type { DriverMessage } from "./DriverProcess.ts"
import { formatSummary, type Summary, summarize } from "./Stats.ts"

/** The latency goals on the project's 2-core machine. */
const GOAL = { rate: 300, p99Ms: 25, maxRateP99Ms: 50 }

class RushFailed extends Schema.TaggedError<RushFailed>()("RushFailed", { message: Schema.String }) {}

/** Runs one scenario through the driver in its own process. */
const drive = (input: DriverInput) =>
  Effect.callback<DriverOutput, RushFailed>((resume) => {
    const child = fork(new URL("./DriverProcess.ts", import.meta.url), {
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    })
    child.on("message", (message: DriverMessage) => {
      if (message._tag === "progress") console.log(message.line)
      else if (message._tag === "done") resume(Effect.succeed(message.output))
      else resume(Effect.fail(new RushFailed({ message: `The driver failed: ${message.message}` })))
    })
    child.on("exit", (code) => {
      if (code !== 0) resume(Effect.fail(new RushFailed({ message: `The driver exited with code ${code}` })))
    })
    child.send(input)
    return Effect.sync(() => void child.kill())
  })

const run = (address: string, scenario: Scenario, seed: number, measureFromMs = 0) =>
  Effect.gen(function* () {
    const output = yield* drive({ baseUrl: address, scenario, seed })
    const summary = summarize(scenario, output, measureFromMs)
    return { output, summary }
  })

/** Seconds each --find-max probe ramps up from 0 to its rate before it is measured (JIT, connections). */
const PROBE_WARMUP = 5

/** Waits until every committed change is in the warehouse, then compares the two. */
const waitAndReconcile = Effect.gen(function* () {
  yield* Console.log("Waiting for the pipeline to load the last changes…")
  yield* lag().pipe(
    Effect.repeat({ until: (l) => l.events === 0, schedule: Schedule.spaced("200 millis") }),
    Effect.timeoutOrElse({
      duration: "120 seconds",
      orElse: () => Effect.fail(new RushFailed({ message: "The pipeline did not catch up within 120 s." }))
    })
  )
  const result = yield* reconcile()
  const bad = result.checks.filter((c) => !c.ok)
  for (const c of bad) yield* Console.log(`  DIFF ${c.name}: OLTP ${c.oltp}, warehouse ${c.olap}`)
  yield* Console.log(
    bad.length === 0
      ? `Reconciled: OLTP and the warehouse agree on all ${result.checks.length} figures.`
      : `Reconciliation: ${bad.length} of ${result.checks.length} figures differ.`
  )
  return bad.length === 0
})

/** The machine's 1-minute load average: other work on it moves the figures. */
const loadAverage = () => Os.loadavg()[0]!.toFixed(2)

const probeLine = (rate: number, s: Summary) =>
  `  ${String(rate).padStart(5)} orders/s offered: p50 ${s.latency.p50.toFixed(1)} ms, p95 ${s.latency.p95.toFixed(1)} ms, p99 ${s.latency.p99.toFixed(1)} ms, ${s.errors} errors, driver ${(s.driverCpuMicrosPerRequest / 1000).toFixed(3)} ms CPU/request, load average ${loadAverage()}`

const findMax = (address: string, seconds: number, seed: number) =>
  Effect.gen(function* () {
    const probe = Effect.fn("rush.probe")(function* (rate: number) {
      const steady = constantRate(rate, seconds)
      const ramped = { ...steady, start: 0, stages: [{ seconds: PROBE_WARMUP, target: rate }, ...steady.stages] }
      const { summary } = yield* run(address, ramped, seed + rate, PROBE_WARMUP * 1000)
      yield* Console.log(probeLine(rate, summary))
      return summary
    })
    yield* Console.log(
      `Probing constant rates for ${seconds} s each, after ${PROBE_WARMUP} s ramping up to it (latency from each request's due time)…`
    )
    const atGoal = yield* probe(GOAL.rate)
    const goalMet = atGoal.latency.p99 <= GOAL.p99Ms && atGoal.errors === 0
    const within = (s: Summary) => s.latency.p99 <= GOAL.maxRateP99Ms && s.errors === 0
    let lo = 0
    let hi = 0
    if (within(atGoal)) {
      lo = GOAL.rate
      for (let rate = GOAL.rate * 2; hi === 0; rate *= 2) {
        if (within(yield* probe(rate))) lo = rate
        else hi = rate
      }
    } else hi = GOAL.rate
    while (hi - lo > Math.max(10, lo / 20)) {
      const mid = Math.round((lo + hi) / 2)
      if (within(yield* probe(mid))) lo = mid
      else hi = mid
    }
    yield* Console.log("\nSummary")
    yield* Console.log(
      `  at ${GOAL.rate} orders/s: p50 ${atGoal.latency.p50.toFixed(1)} ms, p95 ${atGoal.latency.p95.toFixed(1)} ms, p99 ${atGoal.latency.p99.toFixed(1)} ms, ${atGoal.errors} errors   goal p99 ≤ ${GOAL.p99Ms} ms and zero errors: ${goalMet ? "met" : "MISSED"}`
    )
    yield* Console.log(
      lo === 0
        ? `  no probed rate kept p99 within ${GOAL.maxRateP99Ms} ms`
        : `  highest offered rate with p99 ≤ ${GOAL.maxRateP99Ms} ms and no errors: ${lo} orders/s (${hi} was over)`
    )
    return goalMet
  })

const rush = Command.make(
  "rush",
  {
    scenario: Flag.String("scenario").pipe(
      Flag.withDescription(`One of ${scenarioNames.join(", ")}`),
      Flag.withDefault("morning-rush")
    ),
    findMax: Flag.Boolean("find-max").pipe(
      Flag.withDescription("Probe constant rates for the highest one whose p99 stays within 50 ms"),
      Flag.withDefault(false)
    ),
    probeSeconds: Flag.Int("probe-seconds").pipe(
      Flag.withDescription("How long each --find-max probe runs"),
      Flag.withDefault(15)
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("Seed of the requests' random draws"), Flag.withDefault(1))
  },
  ({ scenario: name, findMax: searching, probeSeconds, seed }) =>
    Effect.gen(function* () {
      if (!isScenarioName(name)) {
        return yield* new RushFailed({ message: `No scenario "${name}": pick one of ${scenarioNames.join(", ")}.` })
      }
      yield* Console.log(
        `Machine: ${Os.cpus().length} cores, ${(Os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${Os.loadavg()
          .map((x) => x.toFixed(2))
          .join(" ")} (other work on the machine moves the figures)`
      )
      yield* Console.log("Preparing a throwaway database pair (migrate, seed, load, build the models)…")
      yield* openShop
      const address = yield* startSystem
      let passed: boolean
      if (searching) passed = yield* findMax(address, probeSeconds, seed)
      else {
        const scenario = scenarios[name]
        yield* Console.log(
          `Running ${scenario.name} (${durationSeconds(scenario)} s, peak ${peak(scenario)} ${scenario.model === "arrival" ? "iterations/s" : "users, one iteration per second each"}) against ${address}…`
        )
        const { output, summary } = yield* run(address, scenario, seed)
        yield* Console.log(
          `  setup: ${output.setup.customers} customers and ${output.setup.products} products in ${output.setup.requests} requests`
        )
        for (const e of output.errors) yield* Console.log(`  error: ${e}`)
        yield* Console.log("")
        for (const line of formatSummary(scenario, summary)) yield* Console.log(line)
        yield* Console.log(`  load average          ${loadAverage()} at the end (1 minute)`)
        passed = summary.passed
      }
      const reconciled = yield* waitAndReconcile
      if (!reconciled) return yield* new RushFailed({ message: "The warehouse differs from OLTP (above)." })
      if (!passed) return yield* new RushFailed({ message: "A threshold or goal was not met (above)." })
    }).pipe(Effect.scoped, Effect.provide(throwawayDatabases(24)))
).pipe(Command.withDescription("The k6 rush scenarios, driven from Node in an open model against the whole system"))

// As \`brewlytics start\`: one logger, chosen here (LOG_FORMAT, else readable on a terminal, JSON otherwise), which
// the runner's thread is told too.
rush.pipe(Command.run({ version: "0.1.0" }), Effect.scoped, Effect.provide(NodeServices.layer), withLogging, (main) =>
  NodeRuntime.runMain(main, { disableErrorReporting: true })
)
