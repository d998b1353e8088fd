import * as Path from "node:path"
import { Config, Context, Effect, Layer, type Option, Redacted } from "effect"

/** Where the repository's own files are: `sql/`, `seeds/`, `.brewlytics/`. */
export const repoRoot = Path.resolve(import.meta.dirname, "../../..")

/**
 * Every setting the databases need, read once through `Config`. The only other
 * place that reads settings is each long-running service's own layer (ports,
 * tokens), and each reads its own.
 */
export class DatabaseSettings extends Context.Service<
  DatabaseSettings,
  {
    /** Both URLs set: use those servers. Neither set: the embedded server. */
    readonly oltpUrl: Option.Option<Redacted.Redacted>
    readonly olapUrl: Option.Option<Redacted.Redacted>
    readonly dataDir: string
    readonly embeddedPort: number
    readonly embeddedPassword: Redacted.Redacted
    readonly poolSize: number
  }
>()("@brewlytics/db/DatabaseSettings") {
  static readonly layer = Layer.effect(
    DatabaseSettings,
    Effect.gen(function* () {
      const settings = yield* Config.all({
        oltpUrl: Config.option(Config.Redacted("OLTP_DATABASE_URL")),
        olapUrl: Config.option(Config.Redacted("OLAP_DATABASE_URL")),
        dataDir: Config.String("BREWLYTICS_DATA_DIR").pipe(Config.withDefault(Path.join(repoRoot, ".brewlytics"))),
        embeddedPort: Config.Port("EMBEDDED_PG_PORT").pipe(Config.withDefault(54329)),
        embeddedPassword: Config.Redacted("EMBEDDED_PG_PASSWORD").pipe(Config.withDefault(Redacted.make("brewlytics"))),
        poolSize: Config.Int("DATABASE_POOL_SIZE").pipe(Config.withDefault(10))
      })
      return DatabaseSettings.of({ ...settings, dataDir: Path.resolve(settings.dataDir) })
    })
  )
}
