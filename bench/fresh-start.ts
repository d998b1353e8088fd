/**
 * Fresh start to full dashboards: runs `brewlytics start` as a user does, on a
 * new, empty data folder (free ports, a throwaway embedded PostgreSQL), and
 * measures the time until every mart in `marts` has rows and
 * `mart_daily_sales` holds the simulated 30-day history (31 calendar days).
 * Prints that figure per run, with when the embedded server was ready and
 * when the history was written, then stops the system with Ctrl-C (SIGINT).
 *
 *   npm run bench:fresh-start -- --runs 3
 *
 * Goal: under 60 s on the 2-core machine.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { freePort } from "@brewlytics/db/testing/TestServer.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Clock, Console, Effect, Redacted, Schedule, Schema } from "effect"
import { Command, Flag } from "effect/cli"
import * as Reactivity from "effect/reactivity/Reactivity"

const GOAL_SECONDS = 60
const HISTORY_DAYS = 31

class NotYet extends Schema.TaggedError<NotYet>()("NotYet", { message: Schema.String }) {}

/** Resolves when the child has exited (at once if it already has). */
const exited = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
  })

/** The marts, once each has rows and the daily one the whole history; fails with what is missing otherwise. */
const martsFull = (olapUrl: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.make({ url: Redacted.make(olapUrl), maxConnections: 1 })
    const marts = yield* sql<{ name: string }>`
      SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'marts' AND table_name LIKE 'mart%'`
    const rows: Array<{ mart: string; filled: boolean }> = []
    for (const { name } of marts) {
      const [row] = yield* sql<{ filled: boolean }>`SELECT EXISTS (SELECT 1 FROM marts.${sql(name)}) AS filled`
      rows.push({ mart: name, filled: row!.filled })
    }
    const [days] = yield* sql<{ n: number; orders: number }>`
      SELECT count(*)::int AS n, coalesce(sum(orders), 0)::int AS orders FROM marts.mart_daily_sales`
    const empty = rows.filter((r) => !r.filled).map((r) => r.mart)
    if (rows.length === 0 || empty.length > 0 || days!.n < HISTORY_DAYS - 1) {
      return yield* new NotYet({ message: `empty: ${empty.join(", ") || "(no marts yet)"}; ${days!.n} days` })
    }
    return { marts: rows.length, days: days!.n, orders: days!.orders }
  }).pipe(
    Effect.scoped,
    Effect.provide(Reactivity.layer),
    Effect.mapError((e) => (e._tag === "NotYet" ? e : new NotYet({ message: e.message })))
  )

const oneRun = (run: number) =>
  Effect.gen(function* () {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-fresh-start-"))
    Fs.chmodSync(dir, 0o755)
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
    const [pgPort, apiPort, runnerPort] = yield* Effect.promise(() => Promise.all([freePort(), freePort(), freePort()]))
    const started = yield* Clock.currentTimeMillis
    const seen: Record<string, number> = {}
    const child = yield* Effect.acquireRelease(
      Effect.sync(() =>
        spawn(process.execPath, [Path.join(repoRoot, "packages/cli/src/main.ts"), "start"], {
          env: {
            ...process.env,
            BREWLYTICS_DATA_DIR: dir,
            EMBEDDED_PG_PORT: String(pgPort),
            API_PORT: String(apiPort),
            RUNNER_PORT: String(runnerPort)
          },
          stdio: ["ignore", "pipe", "pipe"]
        })
      ),
      (child) =>
        Effect.sync(() => child.kill("SIGINT")).pipe(
          Effect.andThen(exited(child)),
          Effect.timeoutOrElse({
            duration: "60 seconds",
            orElse: () => Effect.sync(() => child.kill("SIGKILL")).pipe(Effect.andThen(exited(child)))
          })
        )
    )
    let output = ""
    const watch = (chunk: Buffer) => {
      output += chunk.toString()
      const at = Date.now() - started
      if (seen.ready === undefined && output.includes("Embedded PostgreSQL ready")) seen.ready = at
      if (seen.history === undefined && /Simulated \d+ day\(s\) of history/.test(output)) seen.history = at
    }
    child.stdout!.on("data", watch)
    child.stderr!.on("data", watch)

    const olapUrl = `postgresql://postgres:brewlytics@127.0.0.1:${pgPort}/brewlytics_olap`
    const full = yield* martsFull(olapUrl).pipe(
      Effect.retry({ schedule: Schedule.spaced("250 millis"), while: () => child.exitCode === null, times: 4 * 180 }),
      Effect.mapError(
        (e) =>
          new NotYet({
            message: `run ${run}: the marts were not full (${e.message}); the last output:\n${output.slice(-2000)}`
          })
      )
    )
    const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
    const s = (ms: number | undefined) => (ms === undefined ? "?" : (ms / 1000).toFixed(1))
    yield* Console.log(
      `run ${run}: all ${full.marts} marts full, ${full.days} days and ${full.orders.toLocaleString("en")} orders in mart_daily_sales, ${seconds.toFixed(1)} s after start (embedded PostgreSQL ready at ${s(seen.ready)} s, history written at ${s(seen.history)} s)`
    )
    return seconds
  }).pipe(Effect.scoped)

const bench = Command.make(
  "fresh-start",
  {
    runs: Flag.Int("runs").pipe(Flag.withDescription("How many fresh starts, one after the other"), Flag.withDefault(1))
  },
  ({ runs }) =>
    Effect.gen(function* () {
      yield* Console.log(`Fresh start to full dashboards, ${runs} run(s), each on a new data folder…`)
      const times: Array<number> = []
      for (let run = 1; run <= runs; run++) times.push(yield* oneRun(run))
      const sorted = [...times].sort((a, b) => a - b)
      const median = sorted[Math.floor((sorted.length - 1) / 2)]!
      yield* Console.log(
        `fresh start to full dashboards: ${times.map((t) => t.toFixed(1)).join(" / ")} s, median ${median.toFixed(1)} s; goal < ${GOAL_SECONDS} s: ${median < GOAL_SECONDS ? "met" : "NOT met"}`
      )
    }).pipe(Effect.orDie)
)

bench.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
