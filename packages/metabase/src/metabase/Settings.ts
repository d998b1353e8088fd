import { OLAP_DATABASE } from "@brewlytics/db/EmbeddedPostgres.ts"
import { DatabaseSettings } from "@brewlytics/db/Settings.ts"
import { Config, Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { BadSettings, MetabaseError } from "./Errors.ts"

/** How Metabase reaches the warehouse: what it is registered with. */
export interface WarehouseConnection {
  readonly host: string
  readonly port: number
  readonly dbname: string
  readonly user: string
  readonly password: Redacted.Redacted
}

/** Everything `brewlytics dashboards sync` needs, read once through `Config`. */
export class MetabaseSettings extends Context.Service<
  MetabaseSettings,
  {
    readonly url: string
    readonly adminEmail: string
    readonly adminPassword: Redacted.Redacted
    readonly siteName: string
    /** The collection that holds every card and dashboard the sync manages. */
    readonly collection: string
    /** The name the warehouse is registered under in Metabase. */
    readonly databaseName: string
    /** How long to wait for Metabase to answer its health check. */
    readonly wait: Duration.Duration
    readonly warehouse: WarehouseConnection
  }
>()("@brewlytics/metabase/MetabaseSettings") {
  static readonly layer = Layer.effect(
    MetabaseSettings,
    Effect.gen(function* () {
      const db = yield* DatabaseSettings
      const settings = yield* Config.all({
        url: Config.String("METABASE_URL").pipe(Config.withDefault("http://localhost:3000")),
        adminEmail: Config.option(Config.String("METABASE_ADMIN_EMAIL")),
        adminPassword: Config.option(Config.Redacted("METABASE_ADMIN_PASSWORD")),
        siteName: Config.String("METABASE_SITE_NAME").pipe(Config.withDefault("Brewlytics")),
        collection: Config.String("METABASE_COLLECTION").pipe(Config.withDefault("Brewlytics")),
        databaseName: Config.String("METABASE_DATABASE_NAME").pipe(Config.withDefault("Brewlytics warehouse")),
        wait: Config.Duration("METABASE_WAIT").pipe(Config.withDefault(Duration.minutes(2))),
        warehouseHost: Config.option(Config.String("METABASE_WAREHOUSE_HOST"))
      }).pipe(
        Effect.mapError(
          (cause) =>
            new MetabaseError({
              reason: new BadSettings({
                message: `A Metabase setting is invalid: ${cause.message}. See the README, section Metabase.`
              })
            })
        )
      )
      const email = Option.filter(settings.adminEmail, (e) => e.trim().length > 0)
      const password = Option.filter(settings.adminPassword, (p) => Redacted.value(p).length > 0)
      if (Option.isNone(email) || Option.isNone(password)) {
        const missing = [
          ...(Option.isNone(email) ? ["METABASE_ADMIN_EMAIL"] : []),
          ...(Option.isNone(password) ? ["METABASE_ADMIN_PASSWORD"] : [])
        ]
        return yield* new MetabaseError({
          reason: new BadSettings({
            message: `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} not set: set the admin the sync creates on a fresh Metabase, or logs in as (METABASE_URL says where Metabase is; default http://localhost:3000).`
          })
        })
      }
      const warehouse = yield* warehouseConnection(db, settings.warehouseHost)
      return MetabaseSettings.of({
        url: settings.url.replace(/\/+$/, ""),
        adminEmail: email.value,
        adminPassword: password.value,
        siteName: settings.siteName,
        collection: settings.collection,
        databaseName: settings.databaseName,
        wait: settings.wait,
        warehouse
      })
    })
  ).pipe(Layer.provide(DatabaseSettings.layer))
}

/**
 * The warehouse as Metabase should reach it: OLAP_DATABASE_URL when set, else the
 * embedded server (`postgres` user, EMBEDDED_PG_PORT). METABASE_WAREHOUSE_HOST
 * replaces the host, for a Metabase that sees this machine under another name
 * (`host.docker.internal` from a container).
 */
const warehouseConnection = Effect.fn("MetabaseSettings.warehouse")(function* (
  db: DatabaseSettings["Service"],
  hostOverride: Option.Option<string>
) {
  const base: WarehouseConnection = yield* Option.match(db.olapUrl, {
    onNone: () =>
      Effect.succeed({
        host: "localhost",
        port: db.embeddedPort,
        dbname: OLAP_DATABASE,
        user: "postgres",
        password: db.embeddedPassword
      }),
    onSome: (url) =>
      Effect.try({
        try: () => {
          const parsed = new URL(Redacted.value(url))
          return {
            host: parsed.hostname,
            port: parsed.port === "" ? 5432 : Number(parsed.port),
            dbname: decodeURIComponent(parsed.pathname.replace(/^\//, "")),
            user: decodeURIComponent(parsed.username),
            password: Redacted.make(decodeURIComponent(parsed.password))
          }
        },
        // The URL holds the password: the message names the variable only.
        catch: () =>
          new MetabaseError({
            reason: new BadSettings({
              message:
                "OLAP_DATABASE_URL is not a valid URL (postgres://user:password@host:port/database expected): fix it, or unset it to use the embedded server."
            })
          })
      })
  })
  return Option.match(
    Option.filter(hostOverride, (host) => host.trim().length > 0),
    { onNone: () => base, onSome: (host) => ({ ...base, host: host.trim() }) }
  )
})
