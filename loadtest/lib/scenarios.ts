/**
 * The rush scenarios, as data: stages, request mix and thresholds. The k6
 * scripts turn them into k6 options; the Node driver (`npm run rush`) into a
 * schedule of iterations. Dependency-free.
 */
import { type Mix, originalMix } from "./requests.ts"

/** Linear from the previous stage's target (or the start) to `target` over `seconds`. */
export interface Stage {
  readonly seconds: number
  readonly target: number
}

/** A run fails when any is breached: latency of the scenario's requests (setup excluded), share of failed requests. */
export interface Thresholds {
  readonly p95Ms: number
  readonly p99Ms: number
  readonly errorRate: number
}

export interface Scenario {
  readonly name: string
  readonly description: string
  /**
   * "arrival": an open model, iterations start at the stages' rate (per
   * second) whether or not earlier ones have answered (k6's
   * ramping-arrival-rate). "vus": the original's closed model, `target`
   * virtual users each looping an iteration then a 1 s sleep (k6's
   * ramping-vus); the Node driver offers the same load open, one iteration
   * per user per second.
   */
  readonly model: "arrival" | "vus"
  readonly start: number
  readonly stages: ReadonlyArray<Stage>
  readonly mix: Mix
  readonly thresholds: Thresholds
  /** New customers and new products `setup()` makes before the run, as the original's did. */
  readonly setupSize: number
}

const tight: Thresholds = { p95Ms: 25, p99Ms: 50, errorRate: 0.001 }

export const scenarios = {
  "morning-rush": {
    name: "morning-rush",
    description: "Opening quiet, the commuter rush up to 300 orders/s, a plateau, then back to quiet",
    model: "arrival",
    start: 5,
    stages: [
      { seconds: 20, target: 20 },
      { seconds: 40, target: 300 },
      { seconds: 60, target: 300 },
      { seconds: 30, target: 20 }
    ],
    mix: originalMix,
    thresholds: tight,
    setupSize: 10
  },
  steady: {
    name: "steady",
    description: "A steady 150 orders/s for two minutes",
    model: "arrival",
    start: 150,
    stages: [{ seconds: 120, target: 150 }],
    mix: originalMix,
    thresholds: tight,
    setupSize: 10
  },
  spike: {
    name: "spike",
    description: "Quiet at 20 orders/s, a bus unloads (400 orders/s within 5 s, for 20 s), quiet again",
    model: "arrival",
    start: 20,
    stages: [
      { seconds: 20, target: 20 },
      { seconds: 5, target: 400 },
      { seconds: 20, target: 400 },
      { seconds: 5, target: 20 },
      { seconds: 20, target: 20 }
    ],
    mix: originalMix,
    thresholds: { p95Ms: 50, p99Ms: 100, errorRate: 0.001 },
    setupSize: 10
  },
  "ramp-50": {
    name: "ramp-50",
    description: "The original's k6 stages: ramp to 10 virtual users, 30, then 50, and down (1 s think time)",
    model: "vus",
    start: 0,
    stages: [
      { seconds: 60, target: 10 },
      { seconds: 120, target: 30 },
      { seconds: 120, target: 50 },
      { seconds: 30, target: 0 }
    ],
    mix: originalMix,
    thresholds: tight,
    setupSize: 10
  }
} as const satisfies Record<string, Scenario>

export type ScenarioName = keyof typeof scenarios

export const scenarioNames = Object.keys(scenarios) as ReadonlyArray<ScenarioName>

export const isScenarioName = (name: string): name is ScenarioName => Object.hasOwn(scenarios, name)

/** A constant rate for a while: what `--find-max` probes with. */
export const constantRate = (rate: number, seconds: number, thresholds: Thresholds = tight): Scenario => ({
  name: `constant-${rate}`,
  description: `${rate} orders/s for ${seconds} s`,
  model: "arrival",
  start: rate,
  stages: [{ seconds, target: rate }],
  mix: originalMix,
  thresholds,
  setupSize: 10
})

export const durationSeconds = (scenario: Scenario): number => scenario.stages.reduce((s, x) => s + x.seconds, 0)

/** The highest rate (or number of users) the scenario reaches. */
export const peak = (scenario: Scenario): number => Math.max(scenario.start, ...scenario.stages.map((s) => s.target))

/** A scenario's key in k6's `options.scenarios` and its `scenario` tag (k6 style: no hyphens). */
export const k6Key = (scenario: Scenario): string => scenario.name.replace(/-/g, "_")

/** The k6 threshold expressions of a scenario, on its own requests only (setup's are tagged apart). */
export const k6Thresholds = (scenario: Scenario): Record<string, Array<string>> => {
  const tag = `{scenario:${k6Key(scenario)}}`
  return {
    [`http_req_duration${tag}`]: [`p(95)<${scenario.thresholds.p95Ms}`, `p(99)<${scenario.thresholds.p99Ms}`],
    [`http_req_failed${tag}`]: [`rate<${scenario.thresholds.errorRate}`]
  }
}

/** The k6 `options` of a scenario: its executor, stages and thresholds. */
export const k6Options = (scenario: Scenario) => {
  const stages = scenario.stages.map((s) => ({ duration: `${s.seconds}s`, target: s.target }))
  const executor =
    scenario.model === "arrival"
      ? {
          executor: "ramping-arrival-rate" as const,
          startRate: scenario.start,
          timeUnit: "1s",
          // An iteration takes a few milliseconds; the spare users absorb a stall without delaying arrivals.
          preAllocatedVUs: Math.max(10, Math.ceil(peak(scenario) / 10)),
          maxVUs: Math.max(50, peak(scenario) * 2),
          stages
        }
      : { executor: "ramping-vus" as const, startVUs: scenario.start, stages }
  return {
    scenarios: { [k6Key(scenario)]: executor },
    thresholds: k6Thresholds(scenario),
    summaryTrendStats: ["avg", "min", "med", "p(95)", "p(99)", "max"]
  }
}
