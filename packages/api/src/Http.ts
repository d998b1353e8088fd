import { createServer, type Server, type ServerResponse } from "node:http"
import { requireToken } from "@brewlytics/db/AccessToken.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { Api } from "@brewlytics/domain/api/Api.ts"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Logger, Option, Schema, type Types } from "effect"
import { HttpRouter, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { WriteAuthLive } from "./Auth.ts"
import { CustomersHttp } from "./customers/http.ts"
import { envelope } from "./Envelope.ts"
import { EmployeesHttp } from "./employees/http.ts"
import { LabelRoutes, observe } from "./Metrics.ts"
import { OrdersHttp } from "./orders/http.ts"
import { ProductsHttp } from "./products/http.ts"
import { ApiSettings } from "./Settings.ts"
import { StockHttp } from "./stock/http.ts"
import { SystemHttp } from "./system/http.ts"

/** `GET /metrics` in Prometheus' text format; with `API_TOKEN` set it needs the token, as the write routes do. */
const MetricsRoute = Layer.unwrap(
  Effect.map(ApiSettings, ({ token }) =>
    HttpRouter.add(
      "GET",
      "/metrics",
      requireToken(
        token,
        "/metrics"
      )(
        Effect.map(PrometheusMetrics.format(), (body) =>
          HttpServerResponse.text(body, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
        )
      )
    )
  )
)

/** Every route: the contract's, `/openapi.json`, `/docs`, `/metrics`. */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide([SystemHttp, OrdersHttp, ProductsHttp, StockHttp, CustomersHttp, EmployeesHttp]),
    Layer.provide(WriteAuthLive)
  ),
  HttpApiScalar.layer(Api, { path: "/docs" }),
  MetricsRoute
).pipe(Layer.provide(LabelRoutes.layer))

const Bounds = HttpRouter.middleware(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    const bound = envelope({ maxBodyBytes: settings.maxBodyBytes, timeout: settings.requestTimeout })
    // Every failure is answered here, so nothing is left for the router's own
    // error handling; the cast says so to its "handled errors" bookkeeping.
    return (httpApp) =>
      observe(bound(httpApp)) as Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        Types.unhandled,
        HttpServerRequest.HttpServerRequest
      >
  }),
  { global: true }
)

/** The API over whatever `HttpServer` is provided: tests give it one on port 0. */
export const ApiApp = HttpRouter.serve(Layer.mergeAll(ApiRoutes, Bounds), { disableLogger: true })

/** Why the API did not start, and what to do. */
export class ApiStartError extends Schema.TaggedError<ApiStartError>()("ApiStartError", { message: Schema.String }) {}

/**
 * Makes a stop drain a server that keeps connections alive: Node's `close`
 * stops new connections and closes idle ones, but a busy keep-alive connection
 * is never idle, so its client would go on sending requests until the shutdown
 * timeout cut it mid-request. Once `drain` runs, every response not yet begun
 * (in flight, or a request that arrives later on an open connection) says
 * `Connection: close` and its connection closes after it; a connection whose
 * response had already begun closes as soon as that response is out.
 */
const drainable = (server: Server) => {
  let draining = false
  const open = new Set<ServerResponse>()
  const closeIdle = () => setImmediate(() => server.closeIdleConnections())
  server.prependListener("request", (_request, response: ServerResponse) => {
    if (draining) {
      response.shouldKeepAlive = false
      return
    }
    open.add(response)
    response.once("close", () => {
      open.delete(response)
      if (draining) closeIdle()
    })
  })
  return {
    server,
    drain: Effect.sync(() => {
      draining = true
      for (const response of open) if (!response.headersSent) response.shouldKeepAlive = false
      closeIdle()
    })
  }
}

/**
 * The API server over `OltpSql`/`OlapSql`, on `API_HOST` (default every
 * interface; the startup log line says which) and `API_PORT`. It migrates both
 * databases first (a no-op when they are current), logs as JSON lines, and on
 * SIGTERM or Ctrl-C stops accepting, answers the requests in flight (and any
 * that arrive on open connections meanwhile) with `Connection: close`, lets
 * them finish (up to `API_SHUTDOWN_TIMEOUT`), then the pools close.
 */
export const ApiServer = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    yield* migrateAll
    const { server, drain } = drainable(createServer({ keepAliveTimeout: 65_000 }))
    const served = ApiApp.pipe(
      Layer.provide(
        NodeHttpServer.layer(() => server, {
          port: settings.port,
          host: Option.getOrUndefined(settings.host),
          gracefulShutdownTimeout: settings.shutdownTimeout
        })
      ),
      Layer.catchTag("ServeError", (e) =>
        Layer.effectDiscard(
          Effect.fail(
            new ApiStartError({
              message: `The API cannot listen on ${Option.getOrElse(settings.host, () => "every interface,")} port ${settings.port}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}. Stop what uses the port, or set API_PORT (and API_HOST to an address of this machine).`
            })
          )
        )
      )
    )
    // Built after the server, so closed before it: the drain starts as the server stops accepting.
    return Layer.effectDiscard(Effect.addFinalizer(() => drain)).pipe(Layer.provide(served))
  }).pipe(Effect.mapError((e) => new ApiStartError({ message: `The API cannot start: ${e.message}` })))
).pipe(Layer.provide(ApiSettings.layer), Layer.provide(Logger.layer([Logger.consoleJson])))
