import { createServer } from "node:http"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { Api } from "@brewlytics/domain/api/Api.ts"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Logger, Schema, type Types } from "effect"
import { HttpRouter, HttpServerError, type HttpServerRequest, HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { WriteAuthLive } from "./Auth.ts"
import { CustomersHttp } from "./customers/http.ts"
import { envelope, errorResponse } from "./Envelope.ts"
import { EmployeesHttp } from "./employees/http.ts"
import { allowedMethods } from "./Methods.ts"
import { LabelRoutes, observe } from "./Metrics.ts"
import { OrdersHttp } from "./orders/http.ts"
import { ProductsHttp } from "./products/http.ts"
import { ApiSettings } from "./Settings.ts"
import { StockHttp } from "./stock/http.ts"
import { SystemHttp } from "./system/http.ts"

const OPENAPI_PATH = "/openapi.json"
const DOCS_PATH = "/docs"
const METRICS_PATH = "/metrics"

/** Every route: the contract's, `/openapi.json`, `/docs`, `/metrics`. */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(Api, { openapiPath: OPENAPI_PATH }).pipe(
    Layer.provide([SystemHttp, OrdersHttp, ProductsHttp, StockHttp, CustomersHttp, EmployeesHttp]),
    Layer.provide(WriteAuthLive)
  ),
  HttpApiScalar.layer(Api, { path: DOCS_PATH }),
  PrometheusMetrics.layerHttp({ path: METRICS_PATH })
).pipe(Layer.provide(LabelRoutes.layer))

const allowed = allowedMethods(Api, [OPENAPI_PATH, DOCS_PATH, METRICS_PATH])

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
    const bound = envelope({ maxBodyBytes: settings.maxBodyBytes, timeout: settings.requestTimeout })
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

/** The API over whatever `HttpServer` is provided: tests give it one on port 0. */
export const ApiApp = HttpRouter.serve(Layer.mergeAll(ApiRoutes, Bounds), { disableLogger: true })

/** Why the API did not start, and what to do. */
export class ApiStartError extends Schema.TaggedError<ApiStartError>()("ApiStartError", { message: Schema.String }) {}

/**
 * The API server over `OltpSql`/`OlapSql`, on `API_PORT`. It migrates both
 * databases first (a no-op when they are current), logs as JSON lines, and on
 * SIGTERM or Ctrl-C stops accepting, lets in-flight requests finish (up to
 * `API_SHUTDOWN_TIMEOUT`), then the pools close.
 */
export const ApiServer = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* ApiSettings
    yield* migrateAll
    return ApiApp.pipe(
      Layer.provide(
        NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 65_000 }), {
          port: settings.port,
          gracefulShutdownTimeout: settings.shutdownTimeout
        })
      ),
      Layer.catchTag("ServeError", (e) =>
        Layer.effectDiscard(
          Effect.fail(
            new ApiStartError({
              message: `The API cannot listen on port ${settings.port}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}. Stop what uses it, or set API_PORT.`
            })
          )
        )
      )
    )
  }).pipe(Effect.mapError((e) => new ApiStartError({ message: `The API cannot start: ${e.message}` })))
).pipe(Layer.provide(ApiSettings.layer), Layer.provide(Logger.layer([Logger.consoleJson])))
