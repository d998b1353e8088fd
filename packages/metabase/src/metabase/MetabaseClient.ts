import { Context, Effect, Layer, Option, Redacted, Ref, Schema } from "effect"
import { FetchHttpClient, HttpClient, type HttpClientError, HttpClientRequest } from "effect/http"
import * as Api from "./Api.ts"
import { MetabaseError, SetupRefused, UnexpectedResponse, Unreachable, WrongCredentials } from "./Errors.ts"
import { MetabaseSettings } from "./Settings.ts"

/** The Metabase version this client is written and checked against. */
export const METABASE_VERSION = "v0.56"

type Method = "GET" | "POST" | "PUT"

/** Why a request got no answer, in a few words: `ECONNREFUSED`, `ENOTFOUND`, … */
const transportDetail = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason
  if (reason.description !== undefined) return reason.description
  const cause = "cause" in reason ? reason.cause : undefined
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  const code = (inner as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : inner instanceof Error ? inner.message : reason._tag
}

/** Whether Metabase is ready, and what it said (or why it did not answer). */
export interface HealthState {
  readonly ready: boolean
  readonly detail: string
}

/**
 * The Metabase REST API, as far as the sync uses it. Requests after `login` (or
 * `setup`) carry the session in `X-Metabase-Session`. Every failure is a
 * `MetabaseError` whose message names the request and what to do.
 */
export class MetabaseClient extends Context.Service<
  MetabaseClient,
  {
    readonly url: string
    /** GET /api/health; never fails: an unreachable server is `ready: false` with the reason. */
    readonly health: Effect.Effect<HealthState>
    readonly properties: Effect.Effect<Api.SessionProperties, MetabaseError>
    /** POST /api/setup: the first admin (from the settings), and a session for them. */
    readonly setup: (token: string) => Effect.Effect<void, MetabaseError>
    /** POST /api/session as the admin from the settings. */
    readonly login: Effect.Effect<void, MetabaseError>
    readonly setSetting: (key: string, value: unknown) => Effect.Effect<void, MetabaseError>
    readonly databases: Effect.Effect<ReadonlyArray<Api.Database>, MetabaseError>
    readonly createDatabase: (body: typeof Api.DatabaseBody.Type) => Effect.Effect<Api.Database, MetabaseError>
    readonly updateDatabase: (
      id: number,
      body: typeof Api.DatabaseUpdate.Type
    ) => Effect.Effect<Api.Database, MetabaseError>
    readonly collections: Effect.Effect<ReadonlyArray<Api.Collection>, MetabaseError>
    readonly createCollection: (body: typeof Api.CollectionBody.Type) => Effect.Effect<Api.Collection, MetabaseError>
    readonly updateCollection: (
      id: number,
      body: typeof Api.CollectionUpdate.Type
    ) => Effect.Effect<Api.Collection, MetabaseError>
    readonly collectionItems: (id: number) => Effect.Effect<ReadonlyArray<Api.CollectionItem>, MetabaseError>
    readonly card: (id: number) => Effect.Effect<Api.Card, MetabaseError>
    readonly createCard: (body: Api.CardBody) => Effect.Effect<Api.Card, MetabaseError>
    readonly updateCard: (id: number, body: Api.CardUpdate) => Effect.Effect<Api.Card, MetabaseError>
    readonly dashboard: (id: number) => Effect.Effect<Api.Dashboard, MetabaseError>
    readonly createDashboard: (body: Api.DashboardBody) => Effect.Effect<Api.Dashboard, MetabaseError>
    readonly updateDashboard: (id: number, body: Api.DashboardUpdate) => Effect.Effect<Api.Dashboard, MetabaseError>
  }
>()("@brewlytics/metabase/MetabaseClient") {
  static readonly layer = Layer.effect(
    MetabaseClient,
    Effect.gen(function* () {
      const settings = yield* MetabaseSettings
      const http = yield* HttpClient.HttpClient
      const session = yield* Ref.make(Option.none<string>())
      const password = Redacted.value(settings.adminPassword)
      const secrets = [password, Redacted.value(settings.warehouse.password)].filter((s) => s.length > 0)

      /** A response body for a message: short, and never with a password in it (a body may echo a request). */
      const excerpt = (text: string) => {
        const clean = secrets.reduce((t, secret) => t.split(secret).join("***"), text)
        return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean
      }

      const unreachable = (method: Method, path: string, detail: string) =>
        new MetabaseError({
          reason: new Unreachable({
            message: `Cannot reach Metabase at ${settings.url} (${method} ${path}: ${detail}). Start Metabase, or set METABASE_URL to where it runs.`
          })
        })

      const unexpected = (method: Method, path: string, what: string) =>
        new MetabaseError({
          reason: new UnexpectedResponse({
            message: `Metabase answered ${method} ${path} with ${what}. This sync is written for Metabase ${METABASE_VERSION} (packages/metabase/METABASE-API.md); check the server's version and its log.`
          })
        })

      /** One request: the status and the body's text, or a transport failure as `Unreachable`. */
      const send = Effect.fn("Metabase.send")(function* (method: Method, path: string, body: unknown, authed: boolean) {
        yield* Effect.annotateCurrentSpan({ method, path })
        let request = HttpClientRequest.make(method)(`${settings.url}${path}`).pipe(HttpClientRequest.acceptJson)
        if (body !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, body)
        if (authed) {
          const id = yield* Ref.get(session)
          if (Option.isNone(id)) return yield* Effect.die(new Error(`${method} ${path} before logging in to Metabase`))
          request = HttpClientRequest.setHeader(request, "X-Metabase-Session", id.value)
        }
        const response = yield* http
          .execute(request)
          .pipe(Effect.mapError((e) => unreachable(method, path, transportDetail(e))))
        const text = yield* response.text.pipe(Effect.mapError((e) => unreachable(method, path, transportDetail(e))))
        return { status: response.status, text }
      })

      const decode = <S extends Schema.Top>(schema: S, method: Method, path: string, text: string) =>
        Effect.try({
          try: () => JSON.parse(text) as unknown,
          catch: () => unexpected(method, path, `a body that is not JSON: ${excerpt(text)}`)
        }).pipe(
          Effect.flatMap((json) =>
            Schema.decodeUnknownEffect(schema)(json).pipe(
              Effect.mapError((e) => unexpected(method, path, `a body of another shape (${e.message})`))
            )
          )
        ) as Effect.Effect<S["Type"], MetabaseError, never>

      /** An authenticated request: the body of a 2xx answer; 401 means the session is gone. */
      const exchange = Effect.fn("Metabase.exchange")(function* (method: Method, path: string, body?: unknown) {
        const { status, text } = yield* send(method, path, body, true)
        if (status === 401) {
          return yield* new MetabaseError({
            reason: new WrongCredentials({
              message: `Metabase refused the session on ${method} ${path} (401). Run the sync again; if it persists, check METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD.`
            })
          })
        }
        if (status < 200 || status >= 300) return yield* unexpected(method, path, `${status}: ${excerpt(text)}`)
        return text
      })

      /** An authenticated call whose answer is decoded with `schema`. */
      const call = <S extends Schema.Top>(method: Method, path: string, schema: S, body?: unknown) =>
        exchange(method, path, body).pipe(Effect.flatMap((text) => decode(schema, method, path, text)))

      /** A body checked against its request schema: one that does not fit is a bug here, not a Metabase answer. */
      const checked =
        <B extends Schema.Top & { readonly EncodingServices: never }>(schema: B) =>
        <S extends Schema.Top>(method: Method, path: string, response: S, body: B["Type"]) =>
          Schema.encodeUnknownEffect(schema)(body).pipe(
            Effect.orDie,
            Effect.flatMap((encoded) => call(method, path, response, encoded))
          )

      const health = Effect.gen(function* () {
        const request = HttpClientRequest.get(`${settings.url}/api/health`).pipe(HttpClientRequest.acceptJson)
        const response = yield* http.execute(request)
        return { status: response.status, text: yield* response.text }
      }).pipe(
        Effect.flatMap(({ status, text }) =>
          decode(Api.Health, "GET", "/api/health", text).pipe(
            Effect.map(
              (h): HealthState => ({
                ready: status === 200 && h.status === "ok",
                detail:
                  h.progress === undefined || h.progress === null
                    ? h.status
                    : `${h.status}, ${Math.round(h.progress * 100)}%`
              })
            ),
            Effect.catch(() => Effect.succeed<HealthState>({ ready: false, detail: `HTTP ${status}` }))
          )
        ),
        Effect.catch((e) => Effect.succeed<HealthState>({ ready: false, detail: `no answer (${transportDetail(e)})` })),
        Effect.withSpan("Metabase GET /api/health")
      )

      const properties = send("GET", "/api/session/properties", undefined, false).pipe(
        Effect.flatMap(({ status, text }) =>
          status === 200
            ? decode(Api.SessionProperties, "GET", "/api/session/properties", text)
            : Effect.fail(unexpected("GET", "/api/session/properties", `${status}: ${excerpt(text)}`))
        ),
        Effect.withSpan("Metabase GET /api/session/properties")
      )

      const setup = Effect.fn("Metabase.setup")(function* (token: string) {
        const { status, text } = yield* send(
          "POST",
          "/api/setup",
          {
            token,
            user: { email: settings.adminEmail, password, first_name: "Brewlytics", last_name: "Admin" },
            prefs: { site_name: settings.siteName }
          },
          false
        )
        if (status === 400 || status === 403) {
          return yield* new MetabaseError({
            reason: new SetupRefused({
              message: `Metabase refused the first-run setup (${status}: ${excerpt(text)}). ${status === 403 ? "An admin already exists: set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD to theirs." : "Check METABASE_ADMIN_EMAIL (an email address) and METABASE_ADMIN_PASSWORD (Metabase wants at least 6 characters with a digit)."}`
            })
          })
        }
        if (status !== 200) return yield* unexpected("POST", "/api/setup", `${status}: ${excerpt(text)}`)
        const { id } = yield* decode(Api.SessionId, "POST", "/api/setup", text)
        yield* Ref.set(session, Option.some(id))
      })

      const login = Effect.gen(function* () {
        const { status, text } = yield* send("POST", "/api/session", { username: settings.adminEmail, password }, false)
        if (status === 401 || status === 400) {
          return yield* new MetabaseError({
            reason: new WrongCredentials({
              message: `Metabase refused the login of ${settings.adminEmail} (${status}). Set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD to an admin of that Metabase (the sync creates this admin only on a fresh Metabase).`
            })
          })
        }
        if (status !== 200) return yield* unexpected("POST", "/api/session", `${status}: ${excerpt(text)}`)
        const { id } = yield* decode(Api.SessionId, "POST", "/api/session", text)
        yield* Ref.set(session, Option.some(id))
      }).pipe(Effect.withSpan("Metabase POST /api/session"))

      return MetabaseClient.of({
        url: settings.url,
        health,
        properties,
        setup,
        login,
        setSetting: (key, value) => Effect.asVoid(exchange("PUT", `/api/setting/${key}`, { value })),
        databases: call("GET", "/api/database", Api.DatabaseList).pipe(Effect.map((list) => list.data)),
        createDatabase: (body) => checked(Api.DatabaseBody)("POST", "/api/database", Api.Database, body),
        updateDatabase: (id, body) => checked(Api.DatabaseUpdate)("PUT", `/api/database/${id}`, Api.Database, body),
        collections: call("GET", "/api/collection", Schema.Array(Api.Collection)),
        createCollection: (body) => checked(Api.CollectionBody)("POST", "/api/collection", Api.Collection, body),
        updateCollection: (id, body) =>
          checked(Api.CollectionUpdate)("PUT", `/api/collection/${id}`, Api.Collection, body),
        collectionItems: (id) =>
          call("GET", `/api/collection/${id}/items?models=card&models=dashboard`, Api.CollectionItems).pipe(
            Effect.map((items) => items.data)
          ),
        card: (id) => call("GET", `/api/card/${id}`, Api.Card),
        createCard: (body) => checked(Api.CardBody)("POST", "/api/card", Api.Card, body),
        updateCard: (id, body) => checked(Api.CardUpdate)("PUT", `/api/card/${id}`, Api.Card, body),
        dashboard: (id) => call("GET", `/api/dashboard/${id}`, Api.Dashboard),
        createDashboard: (body) => checked(Api.DashboardBody)("POST", "/api/dashboard", Api.Dashboard, body),
        updateDashboard: (id, body) => checked(Api.DashboardUpdate)("PUT", `/api/dashboard/${id}`, Api.Dashboard, body)
      })
    })
  )

  /** The client over `fetch`, with its settings read from the environment. */
  static readonly live = MetabaseClient.layer.pipe(
    Layer.provideMerge(MetabaseSettings.layer),
    Layer.provide(FetchHttpClient.layer)
  )
}
