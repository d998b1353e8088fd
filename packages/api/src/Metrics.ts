import { Clock, Context, Effect, Metric, Option } from "effect"
import { HttpRouter, HttpServerRequest, type HttpServerResponse } from "effect/http"

const requests = Metric.counter("http_requests_total", {
  description: "HTTP requests answered, by method, route template and status"
})

const latency = Metric.histogram("http_request_duration_seconds", {
  description: "Time to answer an HTTP request, by method and route template",
  boundaries: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
})

// One metric per label set, made once: labelled metrics are looked up on every request.
const counters = new Map<string, Metric.Metric<number, unknown>>()
const histograms = new Map<string, Metric.Metric<number, unknown>>()
// biome-ignore lint/suspicious/noExplicitAny: a metric's state type is invariant; any metric of numbers fits
const labelled = <M extends Metric.Metric<number, any>>(
  cache: Map<string, Metric.Metric<number, unknown>>,
  metric: M,
  attributes: Record<string, string>
) => {
  const key = Object.values(attributes).join(" ")
  let found = cache.get(key)
  if (found === undefined) {
    found = Metric.withAttributes(metric, attributes) as Metric.Metric<number, unknown>
    cache.set(key, found)
  }
  return found
}

/** Where the route middleware leaves the matched route template for `observe`, per request. */
class MatchedRoute extends Context.Service<MatchedRoute, { route: string }>()("@brewlytics/api/MatchedRoute") {}

/**
 * Runs inside each matched route (where the router knows the template) and
 * records it for `observe`, which runs outside the router.
 */
export const LabelRoutes = HttpRouter.middleware((httpApp) =>
  Effect.gen(function* () {
    const context = yield* HttpRouter.RouteContext
    const matched = yield* Effect.serviceOption(MatchedRoute)
    if (Option.isSome(matched)) matched.value.route = context.route.path
    return yield* httpApp
  })
)

/**
 * Counts and times every request by its route template (`/orders/:id`, not
 * `/orders/42`, so the series stay few); unmatched paths share one label.
 */
export const observe = <E, R>(
  httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E,
  Exclude<R, MatchedRoute> | HttpServerRequest.HttpServerRequest
> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = yield* Clock.currentTimeNanos
    const matched = { route: "unmatched" }
    const response = yield* Effect.provideService(httpApp, MatchedRoute, matched)
    const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
    const method = request.method
    const route = matched.route
    yield* Metric.update(labelled(counters, requests, { method, route, status: String(response.status) }), 1)
    yield* Metric.update(labelled(histograms, latency, { method, route }), seconds)
    return response
  })

/**
 * Counts an answer written outside Effect's handler (Node's header timeout,
 * see `Http.ts`) in the same series, under the unmatched route.
 */
export const countUnsafe = (context: Context.Context<never>, method: string, status: number) =>
  labelled(counters, requests, { method, route: "unmatched", status: String(status) }).updateUnsafe(1, context)
