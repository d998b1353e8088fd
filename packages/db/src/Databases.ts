import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, type Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { EmbeddedPostgres, OLAP_DATABASE, OLTP_DATABASE, type ServerInfo, serverUrl } from "./EmbeddedPostgres.ts"
import { DatabaseUnavailable } from "./Errors.ts"
import { DatabaseSettings } from "./Settings.ts"

/** Where the two databases are. Either both configured, or both on the embedded server. */
export class DatabaseUrls extends Context.Service<
  DatabaseUrls,
  {
    readonly oltp: Redacted.Redacted
    readonly olap: Redacted.Redacted
    /** The embedded server, when that is where they are. */
    readonly embedded: Option.Option<ServerInfo>
  }
>()("@brewlytics/db/DatabaseUrls") {
  static readonly layer = Layer.effect(
    DatabaseUrls,
    Effect.gen(function* () {
      const settings = yield* DatabaseSettings
      const { oltpUrl, olapUrl } = settings
      if (Option.isSome(oltpUrl) && Option.isSome(olapUrl)) {
        return { oltp: oltpUrl.value, olap: olapUrl.value, embedded: Option.none() }
      }
      if (Option.isSome(oltpUrl) || Option.isSome(olapUrl)) {
        return yield* new DatabaseUnavailable({
          message: `Only ${Option.isSome(oltpUrl) ? "OLTP" : "OLAP"}_DATABASE_URL is set: set both OLTP_DATABASE_URL and OLAP_DATABASE_URL, or neither to use the embedded PostgreSQL.`
        })
      }
      // Built into this layer's scope: the server lives exactly as long as the pools.
      const server = Context.get(yield* Layer.build(EmbeddedPostgres.layer), EmbeddedPostgres)
      const admin = serverUrl(server, "postgres")
      yield* ensureDatabases(admin, [OLTP_DATABASE, OLAP_DATABASE])
      return {
        oltp: serverUrl(server, OLTP_DATABASE),
        olap: serverUrl(server, OLAP_DATABASE),
        embedded: Option.some(server)
      }
    })
  )
}

/** Creates the named databases on the server that `adminUrl` reaches, if they are missing. */
export const ensureDatabases = Effect.fn("Databases.ensureDatabases")(
  function* (adminUrl: Redacted.Redacted, names: ReadonlyArray<string>) {
    const sql = yield* PgClient.make({ url: adminUrl, maxConnections: 1 })
    for (const name of names) {
      const found = yield* sql`SELECT 1 FROM pg_database WHERE datname = ${name}`
      if (found.length === 0) {
        yield* sql`CREATE DATABASE ${sql(name)}`.pipe(
          // Two processes starting at once may race to create it: theirs counts.
          Effect.catchIf(
            (e) => String(e.cause).includes("already exists"),
            () => Effect.void
          )
        )
        yield* Effect.logInfo(`Created database ${name}`)
      }
    }
  },
  (effect) =>
    effect.pipe(
      Effect.scoped,
      Effect.provide(Reactivity.layer),
      Effect.mapError(
        (cause) => new DatabaseUnavailable({ message: `Could not prepare the databases: ${cause.message}`, cause })
      )
    )
)

const makePool = Effect.fn("Databases.makePool")(
  function* (which: "oltp" | "olap") {
    const urls = yield* DatabaseUrls
    const settings = yield* DatabaseSettings
    return yield* PgClient.make({
      url: urls[which],
      maxConnections: settings.poolSize,
      applicationName: `brewlytics-${which}`,
      // A session never waits on a lock or a stuck statement for ever.
      startupParameters: {
        statement_timeout: "60s",
        idle_in_transaction_session_timeout: "60s",
        lock_timeout: "30s",
        timezone: "UTC"
      }
    }).pipe(
      Effect.mapError(
        (cause) =>
          new DatabaseUnavailable({
            message: `Cannot reach the ${which.toUpperCase()} database: ${cause.message}. Check ${which.toUpperCase()}_DATABASE_URL.`,
            cause
          })
      )
    )
  },
  (effect) => effect.pipe(Effect.provide(Reactivity.layer))
)

/** The shop's transactional database: what the API writes and the pipeline reads. */
export class OltpSql extends Context.Service<OltpSql, PgClient.PgClient>()("@brewlytics/db/OltpSql") {
  static readonly layer = Layer.effect(OltpSql, makePool("oltp"))
}

/** The warehouse: what the pipeline loads and the dashboards read. */
export class OlapSql extends Context.Service<OlapSql, PgClient.PgClient>()("@brewlytics/db/OlapSql") {
  static readonly layer = Layer.effect(OlapSql, makePool("olap"))
}

/** Settings, database URLs (embedded server if needed) and both pools: built once, in `main`. */
export const DatabasesLive = Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
  Layer.provideMerge(DatabaseUrls.layer),
  Layer.provideMerge(DatabaseSettings.layer)
)
