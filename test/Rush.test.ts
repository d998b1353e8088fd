import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { requestKinds } from "../loadtest/lib/requests.ts"
import { constantRate, k6Options, type Scenario, scenarioNames, scenarios } from "../loadtest/lib/scenarios.ts"
import { arrivalsBy, arrivalTimes, rateAt } from "../loadtest/lib/schedule.ts"
import { runScenario } from "../loadtest/node/Driver.ts"
import { summarize } from "../loadtest/node/Stats.ts"
import { baseUrl, live, TestApi } from "../packages/api/test/TestApi.ts"

const tiny: Scenario = {
  ...constantRate(10, 2),
  name: "tiny",
  start: 10,
  stages: [
    { seconds: 2, target: 30 },
    { seconds: 1, target: 30 }
  ]
}

const ordersIndex = requestKinds.indexOf("orders/new")

describe("the rush schedule", () => {
  it("iteration k is due when N(t) = ∫ rate reaches k, for any stages", () => {
    const stage = fc.record({ seconds: fc.integer({ min: 1, max: 10 }), target: fc.integer({ min: 0, max: 100 }) })
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.array(stage, { minLength: 1, maxLength: 4 }),
        (start, stages) => {
          const scenario = { ...constantRate(1, 1), start, stages }
          const times = arrivalTimes(scenario)
          const total = arrivalsBy(scenario, Number.POSITIVE_INFINITY)
          if (times.length !== Math.ceil(total - 1e-9)) return false
          for (let k = 0; k < times.length; k++) {
            if (k > 0 && times[k]! < times[k - 1]!) return false
            if (Math.abs(arrivalsBy(scenario, times[k]! / 1000) - k) > 1e-6 * Math.max(1, k)) return false
          }
          return true
        }
      ),
      { numRuns: 60 }
    )
  })

  it("every scenario ramps as declared and gives k6 its executor and thresholds", () => {
    const rush = scenarios["morning-rush"]
    assert.strictEqual(rateAt(rush, 0), rush.start)
    assert.strictEqual(rateAt(rush, 60), 300)
    assert.strictEqual(rateAt(rush, 90), 300)
    for (const name of scenarioNames) {
      const options = k6Options(scenarios[name])
      const [executor] = Object.values(options.scenarios)
      assert.strictEqual(
        executor!.executor,
        scenarios[name].model === "arrival" ? "ramping-arrival-rate" : "ramping-vus"
      )
      assert.deepStrictEqual(Object.values(options.thresholds).flat().length, 3, `${name}: p95, p99 and the error rate`)
    }
  })
})

describe("the rush figures", () => {
  it("percentiles from each request's due time, the error rate, and a verdict per threshold", () => {
    // 100 requests due every 10 ms, answered 1..100 ms after they were due; the last one failed.
    const n = 100
    const due = Array.from({ length: n }, (_, i) => i * 10)
    const out = {
      kinds: due.map(() => ordersIndex),
      due,
      sent: due.map((d) => d + 0.5),
      ended: due.map((d, i) => d + i + 1),
      status: due.map((_, i) => (i === n - 1 ? 503 : 200)),
      scheduled: due,
      started: due.map((d) => d + 0.5),
      setup: { customers: 10, products: 10, requests: 20 },
      wallMs: 1000,
      cpuMicros: 5000,
      errors: []
    }
    const scenario = { ...constantRate(100, 1), thresholds: { p95Ms: 96, p99Ms: 99, errorRate: 0.001 } }
    const s = summarize(scenario, out)
    assert.deepStrictEqual([s.latency.p50, s.latency.p95, s.latency.p99, s.latency.max], [50, 95, 99, 100])
    assert.strictEqual(s.errorRate, 0.01)
    assert.strictEqual(s.driverCpuMicrosPerRequest, 50)
    assert.deepStrictEqual(
      s.verdicts.map((v) => [v.name, v.ok]),
      [
        ["p95 latency", true],
        ["p99 latency", false],
        ["error rate", false]
      ]
    )
    assert.isFalse(s.passed)
    // A warm-up left out: only the requests due from 500 ms on count.
    const late = summarize(scenario, out, 500)
    assert.strictEqual(late.requests, 50)
    assert.strictEqual(late.latency.p50, 75)
  })
})

describe("the Node driver, open model", () => {
  it.live("starts every iteration on schedule while answers are slow, and counts latency from the due time", () =>
    Effect.gen(function* () {
      // Orders answer after 400 ms; a closed-loop driver would fall seconds behind this schedule.
      let ids = 0
      const server = createServer((req, res) => {
        req.resume()
        req.on("end", () => {
          const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(`{"id":${++ids}}`)
          if (req.url === "/orders/new") setTimeout(answer, 400)
          else answer()
        })
      })
      yield* Effect.acquireRelease(
        Effect.callback<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
        () => Effect.sync(() => server.close())
      )
      const port = (server.address() as AddressInfo).port
      const scenario = { ...constantRate(20, 2), mix: { newCustomer: 0, newProduct: 0 } }
      const out = yield* Effect.promise(() => runScenario({ baseUrl: `http://127.0.0.1:${port}`, scenario, seed: 7 }))
      assert.strictEqual(out.scheduled.length, 40)
      assert.deepStrictEqual(out.scheduled, Array.from(arrivalTimes(scenario)))
      // Waiting for answers would put iteration k about k × 350 ms behind (13 s by the last); the bound
      // leaves room for a busy machine's timer slack, not for waiting.
      for (let k = 0; k < out.scheduled.length; k++) {
        assert.isAtLeast(out.started[k]!, out.scheduled[k]!, "never early")
        assert.isBelow(out.started[k]! - out.scheduled[k]!, 1000, `iteration ${k} left late: it waited for an answer`)
      }
      assert.strictEqual(out.status.length, 40)
      for (let i = 0; i < out.status.length; i++) assert.isAtLeast(out.ended[i]! - out.due[i]!, 400)
      assert.isBelow(out.wallMs, 8000, "the run ends about one answer after the last due time, not 40 answers later")
    }).pipe(Effect.scoped)
  )
})

layer(TestApi(), live)("the Node driver against the API", (it) => {
  it.effect("a tiny scenario: setup through the original routes, every iteration an order, all answered 200", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const count = sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`.pipe(Effect.map((r) => r[0]!.n))
      const before = yield* count
      const url = yield* baseUrl
      const out = yield* Effect.promise(() => runScenario({ baseUrl: url, scenario: tiny, seed: 3 }))
      const due = arrivalTimes(tiny)
      assert.strictEqual(due.length, 70)
      assert.deepStrictEqual(out.scheduled, Array.from(due))
      assert.deepStrictEqual(out.setup, { customers: 10, products: 10, requests: out.setup.requests })
      const orders = out.kinds.filter((k) => k === ordersIndex).length
      assert.strictEqual(orders, 70)
      assert.deepStrictEqual(
        out.status.filter((s) => s !== 200),
        [],
        out.errors.join("; ")
      )
      assert.strictEqual((yield* count) - before, 70)
      for (let k = 0; k < due.length; k++) assert.isAtLeast(out.started[k]!, out.scheduled[k]!)
      const summary = summarize(tiny, out)
      assert.strictEqual(summary.requests, out.status.length)
      assert.strictEqual(summary.errors, 0)
      assert.isTrue(summary.verdicts.find((v) => v.name === "error rate")!.ok)
    })
  )
})
