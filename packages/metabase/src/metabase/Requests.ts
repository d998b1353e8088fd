import { Effect, Option, Redacted, Ref, Schema } from "effect"
import type { HttpClient, HttpClientError } from "effect/http"
import { HttpClientRequest } from "effect/http"
import { MetabaseError, UnexpectedResponse, Unreachable, WrongCredentials } from "./Errors.ts"
import type { MetabaseSettings } from "./Settings.ts"

/** The Metabase version this client is written and checked against. */
export const METABASE_VERSION = "v0.56"

export type Method = "GET" | "POST" | "PUT"

/** Why a request got no answer, in a few words: `ECONNREFUSED`, `ENOTFOUND`, … */
export const transportDetail = (error: HttpClientError.HttpClientError): string => {
  const reason = error.reason
  if (reason.description !== undefined) return reason.description
  const cause = "cause" in reason ? reason.cause : undefined
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause
  const code = (inner as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" ? code : inner instanceof Error ? inner.message : reason._tag
}

/** What every request needs: where Metabase is, the HTTP client, and the session once logged in. */
export interface Connection {
  readonly settings: MetabaseSettings["Service"]
  readonly http: HttpClient.HttpClient
  readonly session: Ref.Ref<Option.Option<string>>
}

/** The failures a request can end in, each a `MetabaseError` that names the request and what to do. */
const makeFailures = (settings: MetabaseSettings["Service"]) => {
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

  return { excerpt, unreachable, unexpected }
}

/** The request plumbing under the client: sending and decoding, authenticated or not. */
export const makeRequests = ({ settings, http, session }: Connection) => {
  const { excerpt, unreachable, unexpected } = makeFailures(settings)

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

  return { excerpt, unexpected, send, decode, exchange, call, checked }
}

export type Requests = ReturnType<typeof makeRequests>
