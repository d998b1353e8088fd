import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { dayFlag } from "../DateFlag.ts"
import { userFacing } from "../UserFacing.ts"

const report = Effect.fn("Reconcile.report")(function* (options: {
  readonly repair: boolean
  readonly from?: string
  readonly to?: string
}) {
  // Loaded when the command runs, so that other commands do not carry the pipeline's modules.
  const [{ lag }, { reconcile, ReconcileMismatch }, compare, { repair, RepairRefused }] = yield* Effect.promise(() =>
    Promise.all([
      import("@brewlytics/pipeline/cdc/Cdc.ts"),
      import("@brewlytics/pipeline/Reconcile.ts"),
      import("@brewlytics/pipeline/repair/Compare.ts"),
      import("@brewlytics/pipeline/repair/Repair.ts")
    ])
  )
  // Differences while changes wait to load are expected: say so first.
  const behind = yield* lag().pipe(Effect.option)
  if (behind._tag === "Some" && behind.value.events > 0) {
    yield* Console.log(
      `Note: ${behind.value.events} change(s) are not loaded yet (oldest ${behind.value.seconds.toFixed(1)} s old); differences may only be lag.`
    )
  }
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) {
    return yield* new RepairRefused({ message: `--from ${options.from} is after --to ${options.to}: swap them.` })
  }
  if (!options.repair && (options.from !== undefined || options.to !== undefined)) {
    return yield* new RepairRefused({ message: "--from and --to choose the days to repair: add --repair." })
  }
  if (options.repair) {
    const done = yield* repair(options)
    yield* Console.log(
      done.days.length === 0 && done.dimensions.length === 0
        ? "Nothing to repair."
        : `Repaired ${done.days.length} day(s) of facts${done.days.length > 0 ? ` (${done.days[0]}..${done.days[done.days.length - 1]}, ${done.orders} order(s) rebuilt)` : ""} and ${done.dimensions.length} dimension row(s), holding the pipeline's watermark; the days are marked changed for the next \`brewlytics models run\`. Reconciling again:`
    )
  }
  const result = yield* reconcile()
  const located = yield* compare.locate()
  const rows = compare.describeLocated(located)
  const width = Math.max(...result.checks.map((c) => c.name.length))
  const agree = result.differences === 0 && rows.length === 0
  // All the figures when they agree; only those that differ when not.
  for (const c of result.checks.filter((c) => agree || !c.ok)) {
    yield* Console.log(
      c.ok
        ? `ok      ${c.name.padEnd(width)}  ${c.oltp}`
        : `DIFFERS ${c.name.padEnd(width)}  OLTP ${c.oltp}, warehouse ${c.olap}`
    )
  }
  if (agree) {
    yield* Console.log(`OLTP and the warehouse agree on all ${result.checks.length} figures and row for row.`)
    return
  }
  const command = compare.repairCommand(located)
  if (rows.length > 0) {
    yield* Console.log(`Rows that differ:\n  ${rows.join("\n  ")}`)
    yield* Console.log(`Repair them with: ${command}`)
  }
  const where = rows.length > 0 ? ` and in the rows of ${rows.map((r) => r.split(":")[0]).join(", ")}` : ""
  const fix = rows.length > 0 ? `Repair with \`${command}\`; check` : "Check"
  return yield* new ReconcileMismatch({
    differences: result.differences + rows.length,
    message: `OLTP and the warehouse differ in ${result.differences} figure(s)${where}. ${fix} \`brewlytics pipeline status\` for lag and pipeline_dead_letters for changes that could not load.`
  })
})

export const reconcileCommand = Command.make(
  "reconcile",
  {
    repair: Flag.Boolean("repair").pipe(
      Flag.withDescription(
        "Rebuild what differs from OLTP's rows: the facts (sales, payments, inventory) of the days that differ and the dimension rows that differ, in one transaction holding the pipeline's watermark; then reconcile again"
      ),
      Flag.withDefault(false)
    ),
    from: dayFlag("from", "With --repair: the first day whose facts to rebuild").pipe(Flag.optional),
    to: dayFlag("to", "With --repair: the last day whose facts to rebuild").pipe(Flag.optional)
  },
  ({ repair, from, to }) =>
    userFacing(
      report({
        repair,
        ...(Option.isSome(from) ? { from: from.value.iso } : {}),
        ...(Option.isSome(to) ? { to: to.value.iso } : {})
      })
    )
).pipe(
  Command.withDescription(
    "Compare OLTP with the warehouse (orders, items, revenue per day, payments per method, dimensions, stock on hand, and the rows of each fact day and dimension); names the days and tables that differ and exits non-zero. With --repair, rebuilds them first"
  ),
  Command.provide(DatabasesLive)
)
