import * as Http from "node:http"
import { OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { Deferred, Effect, Fiber, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { ApiApp, NodeServer } from "../src/Http.ts"
import { ApiSettings } from "../src/Settings.ts"

/** The in-process defaults: open, on a free port, with `overrides`. */
export const testSettings = ApiSettings.inProcess

/**
 * The real server on a free port, over a fresh seeded database pair of this
 * test file's own, plus an `HttpClient` (fetch) for talking to it.
 */
export const TestApi = (overrides: Partial<typeof ApiSettings.Service> = {}) =>
  ApiApp.pipe(
    Layer.provideMerge(NodeServer),
    Layer.provide(testSettings(overrides)),
    Layer.provideMerge(Layer.effectDiscard(Effect.orDie(seed))),
    Layer.provideMerge(TestDatabases),
    Layer.provideMerge(FetchHttpClient.layer)
  )

/** The base URL of the server under test. */
export const baseUrl = Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))

export interface RawResponse {
  readonly status: number
  readonly json: any
  readonly text: string
  readonly headers: Readonly<Record<string, string>>
}

/** Raw HTTP, as a till or curl would send it: any method, any body bytes, any headers. */
export const send = (
  path: string,
  init: { method?: string; body?: string | Uint8Array; headers?: Record<string, string> } = {}
): Effect.Effect<RawResponse, never, HttpServer.HttpServer | HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const method = (init.method ?? (init.body === undefined ? "GET" : "POST")) as "GET"
    let request = HttpClientRequest.make(method)((yield* baseUrl) + path).pipe(
      HttpClientRequest.setHeaders(init.headers ?? {})
    )
    if (init.body !== undefined) {
      const contentType = init.headers?.["content-type"] ?? "application/json"
      request =
        typeof init.body === "string"
          ? HttpClientRequest.bodyText(request, init.body, contentType)
          : HttpClientRequest.bodyUint8Array(request, init.body, contentType)
    }
    const response = yield* client.execute(request)
    const text = yield* response.text
    let json: any
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: response.status, json, text, headers: response.headers }
  }).pipe(Effect.orDie)

export const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  send(path, { method: "POST", body: JSON.stringify(body), headers })

/** Row counts of every table a write route touches: equal before and after a refused request. */
export const tableCounts = Effect.gen(function* () {
  const sql = yield* OltpSql
  const [row] = yield* sql<Record<string, number>>`
    SELECT (SELECT count(*)::int FROM customers) AS customers,
           (SELECT count(*)::int FROM employees) AS employees,
           (SELECT count(*)::int FROM products) AS products,
           (SELECT count(*)::int FROM orders) AS orders,
           (SELECT count(*)::int FROM order_items) AS order_items,
           (SELECT count(*)::int FROM payments) AS payments,
           (SELECT count(*)::int FROM stock_movements) AS stock_movements,
           (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys,
           (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM customers t) AS customers_hash,
           (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM products t) AS products_hash,
           (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM employees t) AS employees_hash,
           (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM order_items t) AS items_hash,
           (SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM orders t) AS orders_hash`
  return row!
}).pipe(Effect.orDie)

export { Redacted }

/**
 * Options for `layer(TestApi(…), live)`: the server runs on the real clock,
 * so its request timeouts and latency metrics mean what they say.
 */
export const live = { excludeTestServices: true } as const

/**
 * Holds a lock that every order insert needs, on a connection of its own,
 * until `release` runs: returns once the lock is held.
 */
export const holdOrdersLock = (sql: OltpSql["Service"]) =>
  Effect.gen(function* () {
    const locked = yield* Deferred.make<void>()
    const released = yield* Deferred.make<void>()
    const holder = yield* sql
      .withTransaction(
        sql`LOCK TABLE orders IN EXCLUSIVE MODE`.pipe(
          Effect.andThen(Deferred.succeed(locked, undefined)),
          Effect.andThen(Deferred.await(released))
        )
      )
      .pipe(Effect.forkChild)
    yield* Deferred.await(locked)
    return { release: Deferred.succeed(released, undefined).pipe(Effect.andThen(Fiber.join(holder))) }
  })

/**
 * How many order statements other sessions of this database are running
 * (waiting on a lock only, when asked). pg_stat_activity keeps a statement's
 * first 1 kB only, so the order statement is known by its start.
 */
export const runningOrderStatements = (sql: OltpSql["Service"], options: { readonly onLock?: boolean } = {}) =>
  sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
      AND query LIKE '%WITH lines AS%' AND (NOT ${options.onLock ?? false} OR wait_event_type = 'Lock')`.pipe(
    Effect.map((rows) => rows[0]!.n)
  )

/**
 * One request over node:http with exactly these headers (fetch would add a
 * Content-Type of its own), answered as status and text.
 */
export const rawHttp = (
  path: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array }
): Effect.Effect<RawResponse, never, HttpServer.HttpServer> =>
  Effect.gen(function* () {
    const url = new URL(yield* baseUrl)
    return yield* Effect.callback<RawResponse>((resume) => {
      const request = Http.request(
        { host: "127.0.0.1", port: url.port, path, method: init.method, headers: init.headers },
        (response) => {
          let text = ""
          response.setEncoding("utf8")
          response.on("data", (d) => {
            text += d
          })
          response.on("end", () => {
            let json: any
            try {
              json = JSON.parse(text)
            } catch {
              json = undefined
            }
            const headers = Object.fromEntries(
              Object.entries(response.headers).map(([k, v]) => [k, String(v)])
            ) as Record<string, string>
            resume(Effect.succeed({ status: response.statusCode ?? 0, json, text, headers }))
          })
        }
      )
      request.on("error", (e) => resume(Effect.die(e)))
      request.end(init.body)
    })
  })
