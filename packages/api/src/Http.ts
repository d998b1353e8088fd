import { createServer, type Server, type ServerResponse, STATUS_CODES } from "node:http"
import type { Duplex } from "node:stream"
import { requireToken } from "@brewlytics/db/AccessToken.ts"
import { cannotListen } from "@brewlytics/db/Listen.ts"
import { Api } from "@brewlytics/domain/api/Api.ts"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { type Context, Duration, Effect, Layer, Option, Schema, type Types } from "effect"
import { HttpRouter, HttpServer, HttpServerError, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { WriteAuthLive } from "./Auth.ts"
import { CustomersHttp } from "./customers/http.ts"
import { DashboardsHttp } from "./dashboards/http.ts"
import { DashboardPage } from "./dashboards/Page.ts"
import { envelope, errorBody, errorResponse, slowRequestMessage } from "./Envelope.ts"
import { EmployeesHttp } from "./employees/http.ts"
import { allowedMethods } from "./Methods.ts"
import { countUnsafe, LabelRoutes, observe } from "./Metrics.ts"
import { OrdersHttp } from "./orders/http.ts"
import { ProductsHttp } from "./products/http.ts"
import { ApiSettings } from "./Settings.ts"
import { StockHttp } from "./stock/http.ts"
import { SystemHttp } from "./system/http.ts"

const OPENAPI_PATH = "/openapi.json"
const DOCS_PATH = "/docs"
const METRICS_PATH = "/metrics"

/** `GET /metrics` in Prometheus' text format; with `API_TOKEN` set it needs the token, as the write routes do. */
const MetricsRoute = Layer.unwrap(
  Effect.map(ApiSettings, ({ token }) =>
    HttpRouter.add(
      "GET",
      METRICS_PATH,
      requireToken(
        token,
        METRICS_PATH
      )(
        Effect.map(PrometheusMetrics.format(), (body) =>
          HttpServerResponse.text(body, { contentType: "text/plain; version=0.0.4; charset=utf-8" })
        )
      )
    )
  )
)

/** Every route: the contract's, `/openapi.json`, `/docs`, `/metrics`, the dashboard page at `/dashboard`. */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(Api, { openapiPath: OPENAPI_PATH }).pipe(
    Layer.provide([SystemHttp, OrdersHttp, ProductsHttp, StockHttp, CustomersHttp, EmployeesHttp, DashboardsHttp]),
    Layer.provide(WriteAuthLive)
  ),
  HttpApiScalar.layer(Api, { path: DOCS_PATH }),
  DashboardPage,
  MetricsRoute
).pipe(Layer.provide(LabelRoutes.layer))

const allowed = allowedMethods(Api, [OPENAPI_PATH, DOCS_PATH, METRICS_PATH, "/dashboard"])

const isRouteNotFound = <E>(error: E): error is E & HttpServerError.HttpServerError =>
  HttpServerError.isHttpServerError(error) && error.reason._tag === "RouteNotFound"

/** A known path with a method it does not take: 405 with `Allow`, not the router's 404. */
const refuseOtherMethods = <E, R>(httpApp: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.catchIf(httpApp, isRouteNotFound, (error) => {
    const { method, url } = error.reason.request
    const allow = allowed(url)
    if (allow.length === 0) return Effect.fail(error)
    const path = url.split("?")[0]
    return Effect.succeed(
      errorResponse(
        405,
        "method_not_allowed",
        `${path} does not take ${method}: it takes ${allow.join(", ")} (see /docs).`
      ).pipe(HttpServerResponse.setHeader("allow", allow.join(", ")))
    )
  })

const Bounds = HttpRouter.middleware(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    const bound = envelope({
      maxBodyBytes: settings.maxBodyBytes,
      bodyTimeout: settings.bodyTimeout,
      timeout: settings.requestTimeout
    })
    // Every failure is answered here, so nothing is left for the router's own
    // error handling; the cast says so to its "handled errors" bookkeeping.
    return (httpApp) =>
      observe(bound(refuseOtherMethods(httpApp))) as Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        Types.unhandled,
        HttpServerRequest.HttpServerRequest
      >
  }),
  { global: true }
)

/**
 * The API over whatever `HttpServer` is provided: tests give it one on port 0.
 * Quiet about its address: `ApiServer` says where it listens, once.
 */
export const ApiApp = HttpRouter.serve(Layer.mergeAll(ApiRoutes, Bounds), {
  disableLogger: true,
  disableListenLog: true
})

/**
 * Answers what Node refuses before a request reaches Effect (headers that do
 * not arrive within `headersTimeout`, a request past Node's `requestTimeout`,
 * unparsable HTTP) with the JSON every error has instead of Node's bare text,
 * counts it in /metrics, and closes the connection. As Node does, it writes
 * nothing when a response has already started on the connection.
 */
const answerClientError =
  (settings: typeof ApiSettings.Service, context: Context.Context<never>) =>
  (error: Error & { readonly code?: string }, socket: Duplex) => {
    // Node's own handler checks the same private field: the response in flight on this connection, if any.
    const inFlight = (socket as { _httpMessage?: { readonly headersSent: boolean } })._httpMessage
    if (!socket.writable || inFlight?.headersSent === true) return socket.destroy(error)
    const [status, code, message] =
      error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? inFlight === undefined
          ? [408, "headers_timeout", slowRequestMessage("headers", settings.headersTimeout)]
          : [408, "body_timeout", slowRequestMessage("body", settings.bodyTimeout)]
        : error.code === "HPE_HEADER_OVERFLOW"
          ? [431, "headers_too_large", "The request headers are too large: send fewer or shorter headers."]
          : [400, "unreadable_request", "The request is not readable HTTP/1.1: check what the client sends."]
    const body = JSON.stringify(errorBody(status, code, message))
    socket.once("finish", () => socket.destroy())
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
    )
    countUnsafe(context, "unknown", status)
  }

/**
 * Node's HTTP server on `API_PORT` with the slow-client limits: headers within
 * `headersTimeout` (checked every second, so answered within a second after),
 * the whole request within headers + body timeouts plus a second (a backstop:
 * `Envelope.ts` answers a slow body itself, after `bodyTimeout`).
 */
const nodeServer = (settings: typeof ApiSettings.Service, context: Context.Context<never>) => {
  const headersTimeout = Duration.toMillis(settings.headersTimeout)
  return createServer({
    keepAliveTimeout: 65_000,
    headersTimeout,
    requestTimeout: headersTimeout + Duration.toMillis(settings.bodyTimeout) + 1_000,
    connectionsCheckingInterval: 1_000
  }).on("clientError", answerClientError(settings, context))
}

/** `server` as Effect's `HttpServer`, on `API_HOST` (default every interface) and `API_PORT`. */
const listen = (server: Server, settings: typeof ApiSettings.Service) =>
  NodeHttpServer.layer(() => server, {
    port: settings.port,
    host: Option.getOrUndefined(settings.host),
    gracefulShutdownTimeout: settings.shutdownTimeout
  })

export const NodeServer = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    const context = yield* Effect.context<never>()
    return listen(nodeServer(settings, context), settings)
  })
)

/** Once listening: where the API and the dashboard page are (the one line that says so), as `localhost` when on every interface. */
const announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    const base = HttpServer.formatAddress(address).replace(/^http:\/\/(0\.0\.0\.0|\[::\])(?=:)/, "http://localhost")
    yield* Effect.logInfo(`The API answers on ${base} (docs: ${base}/docs); the dashboards are at ${base}/dashboard`)
  })
)

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
 * interface; the startup log line says which) and `API_PORT`, over databases
 * its caller has migrated, logging with its caller's logger. On
 * SIGTERM or Ctrl-C stops accepting, answers the requests in flight (and any
 * that arrive on open connections meanwhile) with `Connection: close`, lets
 * them finish (up to `API_SHUTDOWN_TIMEOUT`), then the pools close.
 */
export const ApiServer = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    const context = yield* Effect.context<never>()
    const { server, drain } = drainable(nodeServer(settings, context))
    const served = Layer.mergeAll(ApiApp, announce).pipe(
      Layer.provide(listen(server, settings)),
      Layer.catchTag("ServeError", (e) =>
        Layer.effectDiscard(
          Effect.fail(
            new ApiStartError({
              message: cannotListen({
                server: "The API",
                host: Option.getOrUndefined(settings.host),
                port: settings.port,
                portSetting: "API_PORT",
                hostSetting: "API_HOST",
                cause: e.cause
              })
            })
          )
        )
      )
    )
    // Built after the server, so closed before it: the drain starts as the server stops accepting.
    return Layer.effectDiscard(Effect.addFinalizer(() => drain)).pipe(Layer.provide(served))
  })
).pipe(Layer.provide(ApiSettings.layer))
