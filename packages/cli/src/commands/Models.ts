import * as Fs from "node:fs"
import * as Path from "node:path"
import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { DatabaseSettings } from "@brewlytics/db/Settings.ts"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { dayFlag } from "../DateFlag.ts"
import { userFacing } from "../UserFacing.ts"

/** The warehouse package (and the reconciliation), loaded when a `models` command runs: the other commands do not carry it. */
const warehouse = Effect.promise(() =>
  Promise.all([
    import("@brewlytics/warehouse/Builder.ts"),
    import("@brewlytics/warehouse/DataTests.ts"),
    import("@brewlytics/warehouse/Docs.ts"),
    import("@brewlytics/warehouse/Model.ts"),
    import("@brewlytics/warehouse/ModelGraph.ts"),
    import("@brewlytics/pipeline/Reconcile.ts")
  ])
).pipe(
  Effect.map(([builder, dataTests, docs, model, graph, reconciliation]) => ({
    ...builder,
    ...dataTests,
    ...docs,
    ...model,
    ...graph,
    ...reconciliation
  }))
)

const selectFlag = Flag.String("select").pipe(
  Flag.withAlias("s"),
  Flag.withDescription(
    "Models to build or test: `m` alone, `m+` with everything downstream, `+m` with everything upstream; several separated by spaces or commas"
  ),
  Flag.optional
)

const selectors = (select: Option.Option<string>) =>
  Option.match(select, { onNone: () => [], onSome: (s) => s.split(/[\s,]+/).filter((x) => x.length > 0) })

const print = (line: string) => Console.log(line)

const run = Command.make(
  "run",
  {
    select: selectFlag,
    fullRefresh: Flag.Boolean("full-refresh").pipe(
      Flag.withDescription(
        "Rebuild incremental models from scratch instead of topping them up (needed after a TRUNCATE of a fact table, which is not tracked)"
      ),
      Flag.withDefault(false)
    ),
    since: dayFlag(
      "since",
      "Recompute incremental models from this day at least. Not needed after changes to the fact tables: their changed days are tracked, and each model rebuilds exactly those"
    ).pipe(Flag.optional),
    noGate: Flag.Boolean("no-gate").pipe(
      Flag.withDescription("Publish tables without running their data tests first"),
      Flag.withDefault(false)
    )
  },
  ({ select, fullRefresh, since, noGate }) =>
    userFacing(
      Effect.flatMap(warehouse, (w) =>
        w.runModels({
          select: selectors(select),
          incremental: !fullRefresh,
          ...(Option.isSome(since) ? { since: since.value.id } : {}),
          gate: !noGate,
          onProgress: print
        })
      )
    )
).pipe(
  Command.withDescription("Build the warehouse models in dependency order, printing each one's time and rows"),
  Command.provide(DatabasesLive)
)

const test = Command.make(
  "test",
  {
    select: selectFlag,
    noReconcile: Flag.Boolean("no-reconcile").pipe(
      Flag.withDescription("Skip the OLTP reconciliation (daily revenue, units, orders)"),
      Flag.withDefault(false)
    )
  },
  ({ select, noReconcile }) =>
    userFacing(
      Effect.gen(function* () {
        const { testModels, describeFailure, reconcileDaily, describeDifferences, WarehouseError, TestsFailed } =
          yield* warehouse
        const results = yield* testModels({ select: selectors(select), onProgress: print })
        const failures = results.filter((r) => r.failures > 0 && r.severity === "error").map(describeFailure)
        if (!noReconcile) {
          const reconciliation = yield* reconcileDaily()
          if (reconciliation.differences.length === 0) {
            yield* print(`PASS reconciliation › ${reconciliation.days} days of revenue, units and orders equal OLTP`)
          } else {
            const line = `reconciliation › ${reconciliation.differences.length} difference(s) between OLTP and the warehouse:\n${describeDifferences(reconciliation)}`
            yield* print(`FAIL ${line}`)
            failures.push(line)
          }
        }
        yield* print(`${results.length + (noReconcile ? 0 : 1)} tests, ${failures.length} failed.`)
        if (failures.length > 0) {
          return yield* new WarehouseError({
            reason: new TestsFailed({ message: `${failures.length} data test(s) failed:\n  ${failures.join("\n  ")}` })
          })
        }
      })
    )
).pipe(
  Command.withDescription("Run every model's data tests and the OLTP reconciliation; exits non-zero on a failure"),
  Command.provide(DatabasesLive)
)

const graph = Command.make("graph", {}, () =>
  userFacing(
    Effect.flatMap(warehouse, ({ loadModels, mermaid }) =>
      loadModels().pipe(Effect.flatMap((g) => Console.log(mermaid(g))))
    )
  )
).pipe(Command.withDescription("Print the models' lineage as a Mermaid flowchart"))

const docs = Command.make(
  "docs",
  {
    out: Flag.String("out").pipe(
      Flag.withDescription("Where to write the page (default: docs/models.html under BREWLYTICS_DATA_DIR)"),
      Flag.optional
    )
  },
  (flags) =>
    userFacing(
      Effect.gen(function* () {
        const { loadModels, docsPage, WarehouseError, BuildFailed } = yield* warehouse
        const { dataDir } = yield* DatabaseSettings
        const out = Option.getOrElse(flags.out, () => Path.join(dataDir, "docs", "models.html"))
        const g = yield* loadModels()
        yield* Effect.try({
          try: () => {
            Fs.mkdirSync(Path.dirname(out), { recursive: true })
            Fs.writeFileSync(out, docsPage(g))
          },
          catch: (cause) =>
            new WarehouseError({ reason: new BuildFailed({ message: `Cannot write ${out}: ${String(cause)}`, cause }) })
        })
        yield* Console.log(`Wrote ${out} (${g.order.length} models).`)
      })
    )
).pipe(
  Command.withDescription("Write a static HTML page of every model's grain, columns, tests and lineage"),
  Command.provide(DatabaseSettings.layer)
)

export const models = Command.make("models").pipe(
  Command.withDescription("The dbt-style warehouse models: run, test, graph, docs"),
  Command.withSubcommands([run, test, graph, docs])
)
