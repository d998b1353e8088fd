/** The figures of a rush, and its thresholds' verdicts, from the driver's per-request columns. */
import type { RequestKind } from "../lib/requests.ts"
import { requestKinds } from "../lib/requests.ts"
import type { Scenario } from "../lib/scenarios.ts"
import type { DriverOutput } from "./Driver.ts"

/** The nearest-rank percentile of ascending values. */
export const percentile = (sorted: ArrayLike<number>, p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

export interface Latency {
  readonly count: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

const latencyOf = (values: Array<number>): Latency => {
  const sorted = Float64Array.from(values).sort()
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!
  }
}

export interface Verdict {
  readonly name: string
  readonly limit: string
  readonly actual: string
  readonly ok: boolean
}

export interface Summary {
  readonly requests: number
  readonly errors: number
  readonly errorRate: number
  readonly requestsPerSecond: number
  readonly ordersPerSecond: number
  /** From when each request was due to its answer: every request, and per kind. */
  readonly latency: Latency
  readonly byKind: ReadonlyArray<readonly [RequestKind, Latency]>
  /** How late the driver started iterations against their schedule: its own stalls, in the latency above. */
  readonly startLag: Latency
  readonly driverCpuMicrosPerRequest: number
  readonly verdicts: ReadonlyArray<Verdict>
  readonly passed: boolean
}

/** The figures of the requests due from `fromMs` on (a warm-up before it is left out). */
export const summarize = (scenario: Scenario, all: DriverOutput, fromMs = 0): Summary => {
  const keep = all.due.map((due) => due >= fromMs)
  const pick = (xs: Array<number>) => xs.filter((_, i) => keep[i])
  const out = { ...all, kinds: pick(all.kinds), due: pick(all.due), ended: pick(all.ended), status: pick(all.status) }
  const n = out.status.length
  const latencies = out.ended.map((end, i) => end - out.due[i]!)
  const errors = out.status.filter((s) => s !== 200).length
  const errorRate = n === 0 ? 0 : errors / n
  const latency = latencyOf(latencies)
  const byKind = requestKinds.flatMap((kind, k) => {
    const xs = latencies.filter((_, i) => out.kinds[i] === k)
    return xs.length === 0 ? [] : [[kind, latencyOf(xs)] as const]
  })
  const orders = out.kinds.filter((k) => requestKinds[k] === "orders/new").length
  const seconds = (out.wallMs - fromMs) / 1000
  const { p95Ms, p99Ms, errorRate: maxErrorRate } = scenario.thresholds
  const verdicts: Array<Verdict> = [
    { name: "p95 latency", limit: `< ${p95Ms} ms`, actual: `${latency.p95.toFixed(1)} ms`, ok: latency.p95 < p95Ms },
    { name: "p99 latency", limit: `< ${p99Ms} ms`, actual: `${latency.p99.toFixed(1)} ms`, ok: latency.p99 < p99Ms },
    {
      name: "error rate",
      limit: `< ${(maxErrorRate * 100).toFixed(1)}%`,
      actual: `${(errorRate * 100).toFixed(3)}% (${errors} of ${n})`,
      ok: errorRate < maxErrorRate
    }
  ]
  return {
    requests: n,
    errors,
    errorRate,
    requestsPerSecond: n / seconds,
    ordersPerSecond: orders / seconds,
    latency,
    byKind,
    startLag: latencyOf(out.started.flatMap((s, k) => (out.scheduled[k]! >= fromMs ? [s - out.scheduled[k]!] : []))),
    driverCpuMicrosPerRequest: n === 0 ? 0 : out.cpuMicros / n,
    verdicts,
    passed: verdicts.every((v) => v.ok)
  }
}

const ms = (x: number) => `${x.toFixed(1)} ms`

/** The summary as the lines `npm run rush` prints. */
export const formatSummary = (scenario: Scenario, s: Summary): Array<string> => [
  `Scenario ${scenario.name}: ${scenario.description}`,
  `  requests              ${s.requests} (${s.requestsPerSecond.toFixed(0)}/s over the run; orders ${s.ordersPerSecond.toFixed(0)}/s), ${s.errors} errors`,
  `  latency (from due)    p50 ${ms(s.latency.p50)}, p95 ${ms(s.latency.p95)}, p99 ${ms(s.latency.p99)}, max ${ms(s.latency.max)}`,
  ...s.byKind.map(
    ([kind, l]) =>
      `    ${kind.padEnd(18)}  ${String(l.count).padStart(7)}  p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}`
  ),
  `  driver start lag      p50 ${ms(s.startLag.p50)}, p99 ${ms(s.startLag.p99)}, max ${ms(s.startLag.max)} (already in the latency above)`,
  `  driver CPU            ${(s.driverCpuMicrosPerRequest / 1000).toFixed(3)} ms per request (it shares the machine with what it measures)`,
  "  thresholds",
  ...s.verdicts.map(
    (v) => `    ${v.ok ? "pass" : "FAIL"}  ${v.name.padEnd(12)} ${v.limit.padEnd(9)} actual ${v.actual}`
  )
]
