/**
 * What every k6 scenario script shares: `setup()` makes customers and
 * products through the original routes, as the original script did, and each
 * iteration walks the same request plan the Node driver walks.
 *
 *   k6 run -e API_URL=http://localhost:8000 loadtest/morning-rush.ts
 */
import { check, sleep } from "k6"
import http, { type RefinedResponse } from "k6/http"
import type { Options } from "k6/options"
import { type Answer, iterationPlan, type Pools, type Request, setupPlan, walk } from "./lib/requests.ts"
import { k6Options, type Scenario } from "./lib/scenarios.ts"

const apiUrl = __ENV.API_URL || "http://localhost:8000"
const params = { headers: { "Content-Type": "application/json" } }
// k6's own `Math.random`: each virtual user draws its own sequence.
const random = () => Math.random()

const idOf = (res: RefinedResponse<"text">): number | undefined => {
  if (res.status !== 200) return undefined
  const id = res.json("id")
  return typeof id === "number" ? id : undefined
}

const send = (request: Request): Answer => {
  const res =
    request.method === "GET"
      ? http.get(`${apiUrl}${request.path}`, { tags: { name: request.kind } })
      : http.post(`${apiUrl}${request.path}`, request.body ?? null, { ...params, tags: { name: request.kind } })
  if (request.kind === "orders/new") {
    check(res, {
      "status is 200": (r) => r.status === 200,
      "has order_id": (r) => r.status === 200 && typeof r.json("order_id") === "number"
    })
  }
  return { status: res.status, id: idOf(res) }
}

export const options = (scenario: Scenario): Options => k6Options(scenario)

export const setup = (scenario: Scenario) => (): Pools => walk(setupPlan(random, scenario.setupSize), send)

/** One iteration; the closed-model scenario then sleeps a second, as the original's users did. */
export const iteration = (scenario: Scenario) => (pools: Pools) => {
  walk(iterationPlan(random, pools, scenario.mix), send)
  if (scenario.model === "vus") sleep(1)
}
