import { Console, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { userFacing } from "../UserFacing.ts"

/** The metabase package, loaded when a `dashboards` command runs: the other commands do not carry it. */
const metabase = Effect.promise(() =>
  Promise.all([
    import("@brewlytics/metabase/Sync.ts"),
    import("@brewlytics/metabase/Plan.ts"),
    import("@brewlytics/metabase/metabase/MetabaseClient.ts"),
    import("@brewlytics/metabase/dashboards/All.ts")
  ])
).pipe(Effect.map(([sync, plan, client, all]) => ({ ...sync, ...plan, ...client, ...all })))

const sync = Command.make(
  "sync",
  {
    dryRun: Flag.Boolean("dry-run").pipe(
      Flag.withDescription("Print the plan (create / update / unchanged / archive per object) and change nothing"),
      Flag.withDefault(false)
    )
  },
  ({ dryRun }) =>
    userFacing(
      Effect.gen(function* () {
        const { sync, summarize, dashboards, MetabaseClient } = yield* metabase
        const plan = yield* sync({ dashboards, dryRun, onProgress: (line) => Console.log(line) }).pipe(
          Effect.provide(MetabaseClient.live)
        )
        yield* Console.log(
          dryRun
            ? `Dry run: ${summarize(plan, true)}. Nothing was changed.`
            : `Metabase holds the ${dashboards.length} dashboard(s): ${summarize(plan, false)}.`
        )
      })
    )
).pipe(
  Command.withDescription(
    "Make Metabase hold the dashboard specs: first-run setup on a fresh Metabase, the warehouse database, one collection, its cards and dashboards; a second run changes nothing. Settings: METABASE_URL, METABASE_ADMIN_EMAIL, METABASE_ADMIN_PASSWORD"
  )
)

export const dashboards = Command.make("dashboards").pipe(
  Command.withDescription("The Metabase dashboards: sync"),
  Command.withSubcommands([sync])
)
