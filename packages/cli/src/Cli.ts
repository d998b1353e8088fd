import { DatabasesLive, DatabaseUrls } from "@brewlytics/db/Databases.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { Console, Effect, Option } from "effect"
import { CliError, Command } from "effect/cli"

/** Shows an expected failure as its message alone (no stack), and exits non-zero. */
export const userFacing = <A, E extends { readonly message: string }, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.mapError(effect, (error) => new CliError.UserError({ cause: error, userMessage: error.message }))

const migrateReport = migrateAll.pipe(
  Effect.tap(({ oltp, olap }) =>
    Console.log(
      `OLTP at V${oltp.current} (${oltp.applied.length} applied now), OLAP at V${olap.current} (${olap.applied.length} applied now)`
    )
  )
)

const migrate = Command.make("migrate", {}, () => userFacing(migrateReport)).pipe(
  Command.withDescription(
    "Apply the versioned migrations in sql/oltp and sql/olap (safe to run from several processes)"
  ),
  Command.provide(DatabasesLive)
)

const seedCommand = Command.make("seed", {}, () => userFacing(migrateReport.pipe(Effect.andThen(seed)))).pipe(
  Command.withDescription("Load the master data in seeds/*.csv (idempotent: running it twice changes nothing)"),
  Command.provide(DatabasesLive)
)

const refuseSecondStart = Effect.gen(function* () {
  const urls = yield* DatabaseUrls
  if (Option.isSome(urls.embedded) && !urls.embedded.value.startedByUs) {
    return yield* new CliError.UserError({
      cause: undefined,
      userMessage: `Brewlytics is already running: its embedded PostgreSQL (pid ${urls.embedded.value.pid}, port ${urls.embedded.value.port}) was started by another process. Stop that one first (Ctrl-C in its terminal), or run commands such as \`brewlytics seed\` against it.`
    })
  }
})

const start = Command.make("start", {}, () =>
  Effect.gen(function* () {
    yield* refuseSecondStart
    yield* userFacing(migrateReport)
    yield* userFacing(seed)
    yield* Effect.logInfo("Brewlytics is running. Press Ctrl-C to stop.")
    return yield* Effect.never
  })
).pipe(
  Command.withDescription("Run the whole system: databases (embedded unless configured), migrations, seeds"),
  Command.provide(DatabasesLive)
)

export const brewlytics = Command.make("brewlytics").pipe(
  Command.withDescription("Brewlytics: a coffee shop's analytics stack, from the till to the chart"),
  Command.withSubcommands([start, migrate, seedCommand])
)
