/**
 * The open-model driver behind `npm run rush`: the k6 scenarios' very plans
 * (`../lib`), sent with undici on the scenario's schedule.
 *
 * Open model: iteration k leaves at its due time (lib/schedule.ts) whether or
 * not earlier ones have answered, over as many connections as are needed.
 * Latency counts from when a request was due, not from when it could be
 * sent: an iteration's first request is due at the iteration's scheduled
 * time, each later one when the previous answered (a till sends its next
 * request then). So a stall of the server, or of this driver, shows in the
 * figures instead of hiding as fewer requests (coordinated omission; k6's
 * arrival-rate executors and wrk2 measure this way). A load generator with a
 * fixed set of connections each waiting for its answer (autocannon) is closed
 * and cannot.
 *
 * Plain Node and Promises rather than Effect: this is the client side, a
 * stopwatch whose only job is to leave on time.
 */
import { performance } from "node:perf_hooks"
import { Pool } from "undici"
import { seeded } from "../lib/data.ts"
import {
  type Answer,
  iterationPlan,
  type Plan,
  type Pools,
  type Request,
  requestKinds,
  setupPlan
} from "../lib/requests.ts"
import type { Scenario } from "../lib/scenarios.ts"
import { arrivalTimes } from "../lib/schedule.ts"

export interface DriverInput {
  readonly baseUrl: string
  readonly scenario: Scenario
  /** Seed of the run's random draws: setup's, and each iteration's own (so answers arriving in another order do not change them). */
  readonly seed: number
  /** Upper bound on open connections; an open model opens more as answers lag. */
  readonly connections?: number
}

/**
 * Per request of the run (setup excluded), in columns: its kind (index in
 * `requestKinds`), when it was due, when it was handed to the socket pool and
 * when its answer ended (ms from the run's start), its status (0: no answer).
 */
export interface DriverOutput {
  readonly kinds: Array<number>
  readonly due: Array<number>
  readonly sent: Array<number>
  readonly ended: Array<number>
  readonly status: Array<number>
  /** The iterations' scheduled times and when the driver actually started each (ms from the start). */
  readonly scheduled: Array<number>
  readonly started: Array<number>
  readonly setup: { readonly customers: number; readonly products: number; readonly requests: number }
  readonly wallMs: number
  /** The driver's own CPU (user + system) over the run, in microseconds. */
  readonly cpuMicros: number
  readonly errors: Array<string>
}

/** Sends one request; for a create, reads back the new row's `id`. */
const sendWith =
  (pool: Pool) =>
  async (request: Request): Promise<Answer> => {
    const response = await pool.request({
      method: request.method,
      path: request.path,
      headers: request.body === undefined ? {} : { "content-type": "application/json" },
      ...(request.body === undefined ? {} : { body: request.body })
    })
    const text = await response.body.text()
    let id: number | undefined
    if (response.statusCode === 200 && request.kind !== "orders/new" && request.kind !== "employees/active") {
      const parsed = JSON.parse(text) as { id?: unknown }
      id = typeof parsed.id === "number" ? parsed.id : undefined
    }
    return { status: response.statusCode, id }
  }

/** Walks a plan with an asynchronous sender, reporting each request's answer. */
const walkAsync = async <A>(
  plan: Plan<A>,
  send: (request: Request) => Promise<Answer>,
  onAnswer: (request: Request, answer: Answer, sentAt: number) => void = () => {}
): Promise<A> => {
  let step = plan.next()
  while (!step.done) {
    const sentAt = performance.now()
    const answer = await send(step.value).catch((): Answer => ({ status: 0, id: undefined }))
    onAnswer(step.value, answer, sentAt)
    step = plan.next(answer)
  }
  return step.value
}

/** Runs the scenario's `setup()`, then its iterations on schedule; resolves when every iteration has ended. */
export const runScenario = async (
  input: DriverInput,
  onProgress: (line: string) => void = () => {}
): Promise<DriverOutput> => {
  const pool = new Pool(input.baseUrl, {
    connections: input.connections ?? 1024,
    pipelining: 1,
    keepAliveTimeout: 60_000
  })
  const send = sendWith(pool)
  const random = seeded(input.seed)
  const errors: Array<string> = []
  try {
    let setupRequests = 0
    const pools: Pools = await walkAsync(setupPlan(random, input.scenario.setupSize), send, () => void setupRequests++)
    const setup = { customers: pools.customerIds.length, products: pools.productIds.length, requests: setupRequests }
    const times = arrivalTimes(input.scenario)
    const out = {
      kinds: [] as Array<number>,
      due: [] as Array<number>,
      sent: [] as Array<number>,
      ended: [] as Array<number>,
      status: [] as Array<number>,
      scheduled: Array.from(times),
      started: new Array<number>(times.length).fill(-1)
    }
    const kindIndex = new Map(requestKinds.map((k, i) => [k, i]))
    const cpuBefore = process.cpuUsage()
    const t0 = performance.now()
    const inFlight = new Set<Promise<void>>()

    const iterate = (k: number) => {
      out.started[k] = performance.now() - t0
      // Due at its scheduled time; each later request of the iteration when the previous one answered.
      let due = times[k]!
      const draws = seeded(input.seed * 1_000_003 + k + 1)
      const done = walkAsync(iterationPlan(draws, pools, input.scenario.mix), send, (request, answer, sentAt) => {
        const ended = performance.now() - t0
        out.kinds.push(kindIndex.get(request.kind)!)
        out.due.push(due)
        out.sent.push(sentAt - t0)
        out.ended.push(ended)
        out.status.push(answer.status)
        if (answer.status !== 200 && errors.length < 10) errors.push(`${request.kind}: status ${answer.status}`)
        due = ended
      }).then(() => {
        inFlight.delete(done)
      })
      inFlight.add(done)
    }

    let next = 0
    let lastReport = 0
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now() - t0
        while (next < times.length && times[next]! <= now) iterate(next++)
        if (now - lastReport >= 5000) {
          lastReport = now
          onProgress(
            `  ${(now / 1000).toFixed(0)} s: ${next} of ${times.length} iterations started, ${out.ended.length} requests answered, ${inFlight.size} in flight`
          )
        }
        if (next >= times.length) return resolve()
        // Wake for the next due time; timers fire up to ~1 ms late, which the figures include.
        setTimeout(tick, Math.max(0, times[next]! - (performance.now() - t0)))
      }
      tick()
    })
    await Promise.all(inFlight)
    const wallMs = performance.now() - t0
    const cpu = process.cpuUsage(cpuBefore)
    return {
      ...out,
      setup,
      wallMs,
      cpuMicros: cpu.user + cpu.system,
      errors
    }
  } finally {
    await pool.close()
  }
}
