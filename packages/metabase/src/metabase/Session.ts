import { Effect, Option, Redacted, Ref } from "effect"
import { HttpClientRequest } from "effect/http"
import * as Api from "./Api.ts"
import { MetabaseError, SetupRefused, WrongCredentials } from "./Errors.ts"
import { type Connection, type Requests, transportDetail } from "./Requests.ts"

/** Whether Metabase is ready, and what it said (or why it did not answer). */
export interface HealthState {
  readonly ready: boolean
  readonly detail: string
}

/** The calls made before or to get a session: health, public properties, first-run setup, login. */
export const makeSessionCalls = ({ settings, http, session }: Connection, requests: Requests) => {
  const { excerpt, unexpected, send, decode } = requests
  const password = Redacted.value(settings.adminPassword)

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

  return { health, properties, setup, login }
}
