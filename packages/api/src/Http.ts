import { createServer } from "node:http"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { Api } from "@brewlytics/domain/api/Api.ts"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Logger, Schema, type Types } from "effect"
import { HttpRouter, HttpServer, type HttpServerRequest, type HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import * as PrometheusMetrics from "effect/observability/PrometheusMetrics"
import { WriteAuthLive } from "./Auth.ts"
import { CustomersHttp } from "./customers/http.ts"
import { DashboardsHttp } from "./dashboards/http.ts"
import { DashboardPage } from "./dashboards/Page.ts"
import { envelope } from "./Envelope.ts"
import { EmployeesHttp } from "./employees/http.ts"
import { LabelRoutes, observe } from "./Metrics.ts"
import { OrdersHttp } from "./orders/http.ts"
import { ProductsHttp } from "./products/http.ts"
import { ApiSettings } from "./Settings.ts"
import { StockHttp } from "./stock/http.ts"
import { SystemHttp } from "./system/http.ts"

/** Every route: the contract's, `/openapi.json`, `/docs`, `/metrics`, the dashboard page at `/dashboard`. */
export const ApiRoutes = Layer.mergeAll(
  HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide([SystemHttp, OrdersHttp, ProductsHttp, StockHttp, CustomersHttp, EmployeesHttp, DashboardsHttp]),
    Layer.provide(WriteAuthLive)
  ),
  HttpApiScalar.layer(Api, { path: "/docs" }),
  DashboardPage,
  PrometheusMetrics.layerHttp({ path: "/metrics" })
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

/** Once listening: where the API and the dashboard page are. */
const announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    const base =
      address._tag === "UnixPathAddress" ? HttpServer.formatAddress(address) : `http://localhost:${address.port}`
    yield* Effect.logInfo(`The API answers on ${base} (docs: ${base}/docs); the dashboards are at ${base}/dashboard`)
  })
)

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
    return Layer.mergeAll(ApiApp, announce).pipe(
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
