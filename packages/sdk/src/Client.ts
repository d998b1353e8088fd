// The SDK compiles the contract into itself (dist/domain), so that it installs
// with `effect` as its only dependency; hence a path, not a workspace import.

import { Context, type Effect, Layer, Redacted } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { HttpApiClient } from "effect/http-api"
import { Api } from "../../domain/src/api/Api.ts"

export * as Errors from "../../domain/src/api/Errors.ts"
export * as Ids from "../../domain/src/Ids.ts"
export { Api }

export interface ClientOptions {
  /** Where the API is, e.g. `http://localhost:8000`. */
  readonly baseUrl: string
  /** The API's `API_TOKEN`, when it has one: sent as `Authorization: Bearer …` on every request. */
  readonly token?: Redacted.Redacted | string | undefined
}

/**
 * Builds a typed client: one method per endpoint, grouped as the contract is
 * (`client.orders.create({ payload })`, `client.employees.active()`); errors
 * arrive as the contract's tagged errors (`NotFound`, `Conflict`, …).
 * Needs an `HttpClient`; `layer` below provides one over `fetch`.
 */
export const make = (options: ClientOptions) =>
  HttpApiClient.make(Api, {
    transformClient: (client) =>
      client.pipe(
        HttpClient.mapRequest((request) => {
          const withBase = HttpClientRequest.prependUrl(request, options.baseUrl.replace(/\/$/, ""))
          if (options.token === undefined) return withBase
          const token = typeof options.token === "string" ? options.token : Redacted.value(options.token)
          return HttpClientRequest.bearerToken(withBase, token)
        })
      )
  })

export type Client = Effect.Success<ReturnType<typeof make>>

/** The client as a service, for apps that compose layers. */
export class BrewlyticsClient extends Context.Service<BrewlyticsClient, Client>()("@brewlytics/sdk/BrewlyticsClient") {
  /** Over the platform's `fetch`. */
  static readonly layer = (options: ClientOptions) =>
    Layer.effect(BrewlyticsClient, make(options)).pipe(Layer.provide(FetchHttpClient.layer))
}
