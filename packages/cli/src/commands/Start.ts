import { DatabasesLive, DatabaseUrls } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { Effect, Layer, Option } from "effect"
import { CliError, Command, Flag } from "effect/cli"
import { userFacing } from "../UserFacing.ts"
import { migrateReport } from "./Database.ts"
import { simulationOnStart } from "./Simulate.ts"

/**
 * The long-running parts of the system that `brewlytics start` runs side by
 * side: the API on this thread, the pipeline runner on a thread of its own (its
 * batches' round trips do not wait behind requests). Each runs until Ctrl-C
 * stops both gracefully; if one stops by itself, the other is stopped and
 * `start` fails with its message. Loaded when the command runs, so that other
 * commands do not carry their modules.
 */
const services = Effect.promise(() =>
  Promise.all([import("@brewlytics/api/Http.ts"), import("../RunnerThreadStart.ts")])
).pipe(
  Effect.flatMap(([{ ApiServer }, { startRunnerThread }]) =>
    Effect.all([Layer.launch(ApiServer), startRunnerThread()], { concurrency: "unbounded", discard: true })
  )
)

/**
 * One `start` per data folder. A server left behind by a start that crashed
 * was already stopped and started again when the databases were built; one
 * whose owner still runs is that owner's to stop.
 */
const refuseSecondStart = Effect.gen(function* () {
  const urls = yield* DatabaseUrls
  if (Option.isSome(urls.embedded) && !urls.embedded.value.startedByUs) {
    const { pid, port, owner } = urls.embedded.value
    return yield* new CliError.UserError({
      cause: undefined,
      userMessage: Option.match(owner, {
        onSome: (owner) =>
          `Brewlytics is already running: its embedded PostgreSQL (pid ${pid}, port ${port}) belongs to process ${owner}, which is still running. Stop that one first (Ctrl-C in its terminal, or \`kill -INT ${owner}\`), or run commands such as \`brewlytics seed\` against it.`,
        onNone: () =>
          `An embedded PostgreSQL (pid ${pid}, port ${port}) is already running on this data folder, started by a process that left no record. Stop it (\`kill -INT ${pid}\`) and start again, or run commands such as \`brewlytics seed\` against it.`
      })
    })
  }
})

const simulateFlag = Flag.Boolean("simulate").pipe(
  Flag.withDescription(
    "Simulate the café: 30 days of history on a shop without orders, then live traffic (--no-simulate, or SIMULATE=off, for neither)"
  ),
  Flag.withDefault(true)
)

export const start = Command.make("start", { simulate: simulateFlag }, ({ simulate }) =>
  Effect.gen(function* () {
    yield* refuseSecondStart
    yield* userFacing(migrateReport)
    yield* userFacing(seed)
    const simulation = yield* userFacing(simulationOnStart(simulate))
    yield* Effect.logInfo("Brewlytics is running. Press Ctrl-C to stop.")
    return yield* userFacing(
      Effect.all([services, Effect.andThen(simulation.history, simulation.live)], {
        concurrency: "unbounded",
        discard: true
      })
    )
  })
).pipe(
  Command.withDescription("Run the whole system: databases (embedded unless configured), migrations, seeds"),
  Command.provide(DatabasesLive)
)
