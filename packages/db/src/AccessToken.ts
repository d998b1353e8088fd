import { createHash, timingSafeEqual } from "node:crypto"
import { Config, Effect, Option, Redacted } from "effect"
import type { HttpServerRequest } from "effect/http"
import { HttpServerResponse } from "effect/http"
import { HttpApiBuilder, HttpApiSecurity } from "effect/http-api"

/**
 * `API_TOKEN`: one token for everything the services serve beyond reads of
 * the shop's data: the API's write routes and `/metrics`, and the runner's
 * `/status`. Unset, they are all open. Here, beside the other settings both
 * services build on; each reads it inside its own settings layer.
 */
export const apiToken = Config.option(Config.Redacted("API_TOKEN"))

// Comparing digests keeps the comparison constant-time whatever the lengths.
const digest = (text: string) => createHash("sha256").update(text).digest()

/** Whether a presented credential is `token`, compared in constant time. */
export const tokenMatcher = (token: Redacted.Redacted) => {
  const expected = digest(Redacted.value(token))
  return (credential: Redacted.Redacted) => timingSafeEqual(digest(Redacted.value(credential)), expected)
}

/**
 * Guards a plain route (one outside the HttpApi contract): with a token set, a
 * request without `Authorization: Bearer <token>` gets 401 and the API's error
 * body; without one, the route is open.
 */
export const requireToken = (
  token: Option.Option<Redacted.Redacted>,
  what: string
): (<A, E, R>(
  route: Effect.Effect<A, E, R>
) => Effect.Effect<
  A | HttpServerResponse.HttpServerResponse,
  E,
  R | HttpServerRequest.HttpServerRequest | HttpServerRequest.ParsedSearchParams
>) => {
  if (Option.isNone(token)) return (route) => route
  const matches = tokenMatcher(token.value)
  const refused = HttpServerResponse.jsonUnsafe(
    {
      _tag: "Unauthorized",
      code: "unauthorized",
      message: `${what} needs the token: send Authorization: Bearer <API_TOKEN>.`
    },
    { status: 401, headers: { "www-authenticate": "Bearer" } }
  )
  return <A, E, R>(route: Effect.Effect<A, E, R>) =>
    Effect.flatMap(HttpApiBuilder.securityDecode(HttpApiSecurity.bearer), (credential) =>
      matches(credential) ? route : Effect.succeed<A | HttpServerResponse.HttpServerResponse>(refused)
    )
}
