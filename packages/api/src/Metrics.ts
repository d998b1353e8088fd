import { Clock, Effect, Metric, Option } from "effect"
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

/**
 * Counts and times every request by its route template (`/orders/:id`, not
 * `/orders/42`, so the series stay few); unmatched paths share one label.
 */
export const observe = <E, R>(
  httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const started = yield* Clock.currentTimeNanos
    const response = yield* httpApp
    const route = Option.match(yield* Effect.serviceOption(HttpRouter.RouteContext), {
      onNone: () => "unmatched",
      onSome: (context) => context.route.path
    })
    const seconds = Number((yield* Clock.currentTimeNanos) - started) / 1e9
    const method = request.method
    yield* Metric.update(labelled(counters, requests, { method, route, status: String(response.status) }), 1)
    yield* Metric.update(labelled(histograms, latency, { method, route }), seconds)
    return response
  })
