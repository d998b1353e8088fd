import { Context, Effect, Layer, Option, Ref, Schema } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import * as Api from "./Api.ts"
import type { MetabaseError } from "./Errors.ts"
import { makeRequests } from "./Requests.ts"
import { type HealthState, makeSessionCalls } from "./Session.ts"
import { MetabaseSettings } from "./Settings.ts"

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
      const connection = { settings, http, session }
      const requests = makeRequests(connection)
      const { exchange, call, checked } = requests

      return MetabaseClient.of({
        url: settings.url,
        ...makeSessionCalls(connection, requests),
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
