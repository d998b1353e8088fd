import { DatabasesLive } from "@brewlytics/db/Databases.ts"
import type { RecordedRun } from "@brewlytics/pipeline/RunHistory.ts"
import type { RunnerError } from "@brewlytics/pipeline/runner/Errors.ts"
import type { RunnerRecord } from "@brewlytics/pipeline/runner/Presence.ts"
import { Console, DateTime, Effect, Layer } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { dayFlag } from "../DateFlag.ts"
import { userFacing } from "../UserFacing.ts"

/** The pipeline package, loaded when a command runs: `brewlytics api` and the others do not carry it. */
const pipelines = Effect.promise(() =>
  Promise.all([
    import("@brewlytics/pipeline/Runner.ts"),
    import("@brewlytics/pipeline/runner/Errors.ts"),
    import("@brewlytics/pipeline/runner/Loop.ts"),
    import("@brewlytics/pipeline/RunnerStatusHttp.ts"),
    import("@brewlytics/pipeline/pipelines/Registry.ts"),
    import("@brewlytics/pipeline/dsl/Mermaid.ts"),
    import("@brewlytics/pipeline/runner/Presence.ts"),
    import("@brewlytics/pipeline/cluster/Mode.ts"),
    import("@brewlytics/pipeline/cluster/Owners.ts")
  ])
).pipe(
  Effect.map(([runner, errors, loop, statusHttp, registry, mermaid, presence, clusterMode, clusterOwners]) => ({
    ...runner,
    ...errors,
    ...loop,
    ...statusHttp,
    ...registry,
    ...mermaid,
    ...presence,
    ...clusterMode,
    ...clusterOwners
  }))
)

/** The runner's services without its schedules, for the one-shot commands. */
const RunnerCore = Layer.unwrap(Effect.map(pipelines, (p) => p.RunnerCore))

const nameArgument = Argument.String("name").pipe(
  Argument.withDescription("The pipeline's name (`brewlytics pipeline status` lists them)")
)

const runLine = (run: RecordedRun) =>
  `${run.pipeline} ${run.status} in ${run.endedAt.getTime() - run.startedAt.getTime()} ms: ${run.rowsRead} events read, ${run.rowsWritten} rows written${
    run.lagEvents === null
      ? ""
      : `, lag ${run.lagEvents} events${run.lagSeconds === null ? "" : ` / ${run.lagSeconds.toFixed(1)} s`}`
  } (run ${run.runId}, version ${run.version})${run.error === null ? "" : `\n  ${run.error}`}`

const failIfFailed = (run: RecordedRun): Effect.Effect<void, RunnerError> =>
  run.status === "failed"
    ? Effect.flatMap(pipelines, (p) =>
        Effect.fail(new p.RunnerError({ reason: new p.RunnerFailed({ message: runLine(run) }) }))
      )
    : Console.log(runLine(run))

const clusterFlag = Flag.Boolean("cluster").pipe(
  Flag.withDescription(
    "Join the runners' cluster (storage in OLAP): each pipeline runs on exactly one runner at a time, another takes over when it dies (PIPELINE_CLUSTER=true does the same)"
  ),
  Flag.withDefault(false)
)

const run = Command.make("run", { cluster: clusterFlag }, ({ cluster }) =>
  Effect.gen(function* () {
    const { ConfiguredRunnerLive, ClusterRunnerLive, RunnerStatusHttp } = yield* pipelines
    yield* Effect.logInfo("Pipeline runner is running. Press Ctrl-C to stop (the batch in flight finishes first).")
    return yield* Layer.launch(
      RunnerStatusHttp.pipe(Layer.provideMerge(cluster ? ClusterRunnerLive : ConfiguredRunnerLive))
    )
  }).pipe(userFacing)
).pipe(
  Command.withDescription(
    "Run the pipelines for ever: each on its schedule, cdc_to_star also on every committed change (LISTEN/NOTIFY); status on RUNNER_PORT; --cluster to share them among several runners"
  ),
  Command.provide(DatabasesLive)
)

const once = Command.make("once", { name: nameArgument }, ({ name }) =>
  Effect.gen(function* () {
    const runner = yield* (yield* pipelines).Runner
    const { run } = yield* runner.run(name, { trigger: "manual" })
    yield* failIfFailed(run)
  }).pipe(Effect.provide(RunnerCore), userFacing)
).pipe(
  Command.withDescription("Run one batch of a pipeline now, record it, print what it did"),
  Command.provide(DatabasesLive)
)

const backfill = Command.make(
  "backfill",
  {
    name: nameArgument,
    from: dayFlag("from", "First business date, inclusive"),
    to: dayFlag("to", "Last business date, inclusive")
  },
  ({ name, from: fromDay, to: toDay }) =>
    Effect.gen(function* () {
      const { Runner, RunnerError, RunnerFailed } = yield* pipelines
      const [from, to] = [fromDay.iso, toDay.iso]
      if (from > to) {
        return yield* new RunnerError({
          reason: new RunnerFailed({ message: `--from ${from} is after --to ${to}: swap them.` })
        })
      }
      const runner = yield* Runner
      let batches = 0
      let events = 0
      while (true) {
        const { run, more } = yield* runner.run(name, {
          params: { _tag: "Backfill", from, to },
          trigger: "backfill"
        })
        yield* failIfFailed(run)
        batches++
        events += run.rowsRead
        if (!more) break
      }
      yield* Console.log(`${name}: backfill ${from}..${to} done: ${batches} batch(es), ${events} events`)
    }).pipe(Effect.provide(RunnerCore), userFacing)
).pipe(
  Command.withDescription(
    "Bring a pipeline up to date for a range of business dates, batch by batch, each run recorded as a backfill. For cdc_to_star: first every committed change not yet loaded, then the dates' orders, items and payments replayed from their current OLTP state, so their facts are re-derived (rows OLTP no longer has are deleted); other dates are not touched."
  ),
  Command.provide(DatabasesLive)
)

const pad = (cells: ReadonlyArray<string>, widths: ReadonlyArray<number>) =>
  cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")

const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [
    pad(header, widths),
    pad(
      widths.map((w) => "-".repeat(w)),
      widths
    ),
    ...rows.map((r) => pad(r, widths))
  ].join("\n")
}

const utc = (date: Date) => `${date.toISOString().replace("T", " ").slice(0, 19)} UTC`

/** Which runner runs (from its row in OLAP, not from this shell's settings), or plainly that none does. */
const runnersLine = (running: ReadonlyArray<RunnerRecord>, last: RunnerRecord | undefined) => {
  if (running.length > 0) {
    return running
      .map(
        (r) =>
          `Pipeline runner running: pid ${r.pid} on ${r.host}, since ${utc(r.startedAt)} (last heartbeat ${r.silentFor.toFixed(0)} s ago), status endpoint on ${r.statusAt.endsWith(":0") ? `${r.statusAt.slice(0, -2)} (a free port)` : r.statusAt}.`
      )
      .join("\n")
  }
  const previous =
    last === undefined
      ? "none has run on this database yet"
      : last.stoppedAt === null
        ? `the last one, pid ${last.pid} on ${last.host}, fell silent at ${utc(last.heartbeatAt)} without stopping`
        : `the last one, pid ${last.pid} on ${last.host}, stopped at ${utc(last.stoppedAt)}`
  return `No pipeline runner is running (${previous}). The figures below are from the database only, and the schedules are the ones a runner started from this shell would use. Start one with \`brewlytics pipeline run\` or \`npm start\`.`
}

/** The cluster's runners and each pipeline's owner, when runners ever ran with `--cluster` here. */
const clusterLines = Effect.gen(function* () {
  const { clusterStatus } = yield* pipelines
  const { runners, owners } = yield* clusterStatus()
  if (runners.length === 0 && owners.length === 0) return
  const now = yield* DateTime.nowAsDate
  yield* Console.log("")
  yield* Console.log(
    table(
      ["cluster runner", "healthy", "last renewed (s ago)"],
      runners.map((r) => [r.address, r.healthy ? "yes" : "no", r.silentSeconds.toFixed(1)])
    )
  )
  yield* Console.log("")
  yield* Console.log(
    table(
      ["pipeline", "owner", "pid", "owner since", "for (s)", "rejected stale commits"],
      owners.map((o) => [
        o.pipeline,
        o.runner,
        String(o.pid),
        utc(o.since),
        ((now.getTime() - o.since.getTime()) / 1000).toFixed(1),
        String(o.rejectedStaleCommits)
      ])
    )
  )
})

const status = Command.make(
  "status",
  {
    limit: Flag.Int("limit").pipe(Flag.withDescription("How many recent runs to show"), Flag.withDefault(20))
  },
  ({ limit }) =>
    Effect.gen(function* () {
      const { Runner, PIPELINES, runnersNow } = yield* pipelines
      const runner = yield* Runner
      const { running, last } = yield* runnersNow()
      const status = yield* runner.status({ limit })
      // The settings the running runner recorded when it started, not this shell's.
      const current = new Map(running[0]?.pipelines.map((p) => [p.name, p]) ?? [])
      const unit = (pipeline: string) => PIPELINES.get(pipeline)?.lagUnit ?? "events"
      yield* Console.log(runnersLine(running, last))
      yield* Console.log("")
      yield* Console.log(
        table(
          [
            "pipeline",
            "version",
            running.length > 0 ? "schedule (the running runner's)" : "schedule (this shell's settings)",
            "lag",
            "oldest waiting (s)",
            "oldest open OLTP tx (s)"
          ],
          status.pipelines.map((p) => {
            const runs = current.get(p.name)
            const notify = runs === undefined ? p.notifyChannel : runs.notifyChannel
            return [
              p.name,
              runs?.version ?? p.version,
              `${runs?.schedule ?? p.schedule}${notify === null ? "" : ` + NOTIFY ${notify}`}`,
              p.lag === null ? "?" : `${p.lag.events.toLocaleString("en")} ${unit(p.name)}`,
              p.lag === null ? "?" : p.lag.seconds.toFixed(1),
              p.lag?.oldestOpenTransactionSeconds === undefined ? "" : p.lag.oldestOpenTransactionSeconds.toFixed(1)
            ]
          })
        )
      )
      yield* Console.log("")
      yield* Console.log(
        status.recentRuns.length === 0
          ? "No runs recorded yet: start the runner (`brewlytics pipeline run`) or run a batch (`brewlytics pipeline once cdc_to_star`)."
          : table(
              ["started (UTC)", "pipeline", "trigger", "status", "ms", "read", "written", "lag", "version", "error"],
              status.recentRuns.map((r) => [
                r.startedAt.toISOString().replace("T", " ").slice(0, 23),
                r.pipeline,
                r.trigger,
                r.status,
                String(r.endedAt.getTime() - r.startedAt.getTime()),
                String(r.rowsRead),
                String(r.rowsWritten),
                r.lagEvents === null ? "" : `${r.lagEvents} ${unit(r.pipeline)}`,
                r.version,
                (r.error ?? "").split("\n")[0]!.slice(0, 80)
              ])
            )
      )
      yield* clusterLines
    }).pipe(Effect.provide(RunnerCore), userFacing)
).pipe(
  Command.withDescription(
    "Whether a pipeline runner is running and with which schedules (as it recorded them), each pipeline's lag (events for cdc_to_star, changed days for warehouse_models), and the recent runs"
  ),
  Command.provide(DatabasesLive)
)

const graph = Command.make("graph", { name: nameArgument }, ({ name }) =>
  Effect.gen(function* () {
    const { PIPELINES, RunnerError, UnknownPipeline, pipelineNames, toMermaid } = yield* pipelines
    const entry = PIPELINES.get(name)
    if (entry === undefined) {
      return yield* new RunnerError({
        reason: new UnknownPipeline({
          message: `There is no pipeline "${name}": the pipelines are ${pipelineNames()}.`
        })
      })
    }
    yield* Console.log(toMermaid(entry.pipeline))
  }).pipe(userFacing)
).pipe(Command.withDescription("Print a pipeline's steps and their dependencies as a Mermaid flowchart"))

export const pipeline = Command.make("pipeline").pipe(
  Command.withDescription("The typed pipelines: run them, run one batch, backfill, see their status and graph"),
  Command.withSubcommands([run, once, backfill, status, graph])
)
