import * as Net from "node:net"
import { runCli, startCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"

/** A plain TCP server holding a port of this machine until the scope closes: the port is taken. */
const occupiedPort = Effect.acquireRelease(
  Effect.callback<Net.Server>((resume) => {
    const server = Net.createServer()
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.callback<void>((resume) => {
      server.close(() => resume(Effect.void))
    })
).pipe(Effect.map((server) => ({ server, port: (server.address() as Net.AddressInfo).port })))

/** `pipeline status` from a shell with none of the runner's settings, until its output passes `check`. */
const statusUntil = (check: (output: string) => boolean, what: string) =>
  runCli(["pipeline", "status"]).pipe(
    Effect.flatMap((r) => (r.code === 0 && check(r.output) ? Effect.succeed(r.output) : Effect.fail(r.output))),
    Effect.retry(Schedule.spaced("300 millis").pipe(Schedule.upTo({ duration: "60 seconds" }))),
    Effect.catch((output) => Effect.die(`pipeline status never showed ${what}; last:\n${output}`))
  )

describe("brewlytics pipeline", () => {
  it.effect(
    "backfill takes its dates through the one date flag: a day that does not exist is refused naming the flag, yyyymmdd is read",
    () =>
      Effect.gen(function* () {
        for (const [from, to] of [
          ["2026-02-30", "2026-03-01"],
          ["2026-11-01", "next week"]
        ] as const) {
          const refused = yield* runCli(["pipeline", "backfill", "cdc_to_star", "--from", from, "--to", to])
          assert.notStrictEqual(refused.code, 0, refused.output)
          assert.match(refused.output, from === "2026-02-30" ? /--from/ : /--to/)
          assert.match(refused.output, /YYYY-MM-DD/)
        }
        const ok = yield* runCli(["pipeline", "backfill", "cdc_to_star", "--from", "20261101", "--to", "2026-11-02"])
        assert.strictEqual(ok.code, 0, ok.output)
        assert.include(ok.output, "cdc_to_star: backfill 2026-11-01..2026-11-02 done")
      }).pipe(Effect.provide(TestDatabases)),
    120_000
  )

  it.live(
    "run with its status port taken names RUNNER_PORT and exits non-zero",
    () =>
      Effect.gen(function* () {
        const { port } = yield* occupiedPort
        const { code, output } = yield* runCli(["pipeline", "run"], { RUNNER_PORT: String(port) })
        assert.notStrictEqual(code, 0, output)
        assert.match(output, new RegExp(`status endpoint cannot listen on 127\\.0\\.0\\.1 port ${port}: .*EADDRINUSE`))
        assert.match(output, /set RUNNER_PORT/)
        assert.notMatch(output, /An error occurred/)
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    120_000
  )

  it.live(
    "status shows the running runner's schedules, not the shell's; stopped, it says that none runs",
    () =>
      Effect.gen(function* () {
        const runner = yield* startCli(["pipeline", "run"], {
          RUNNER_PORT: "0",
          PIPELINE_SCHEDULE_CDC_TO_STAR: "7 seconds",
          PIPELINE_SCHEDULE_WAREHOUSE_MODELS: "3 hours",
          PIPELINE_AFTER_INTERVAL_WAREHOUSE_MODELS: "42 seconds"
        })
        const running = yield* statusUntil((o) => o.includes("Pipeline runner running"), "the running runner")
        assert.match(running, new RegExp(`Pipeline runner running: pid ${runner.child.pid} on `))
        assert.match(running, /schedule \(the running runner's\)/)
        assert.match(running, /cdc_to_star +\w+ +every 7s \+ NOTIFY brewlytics_changes +\d[\d,]* events /)
        assert.match(
          running,
          /warehouse_models +\w+ +every 3h \+ after cdc_to_star wrote rows \(≥ 42s apart\) +\d[\d,]* changed days /
        )
        // Ctrl-C once it has started (it records itself first, then listens and schedules): stopped as
        // asked (130, the shell's code for an interrupt), after it signed off.
        yield* Effect.suspend(() =>
          runner.output().includes("Pipeline runner: ") ? Effect.void : Effect.fail("not started yet")
        ).pipe(
          Effect.retry(Schedule.spaced("200 millis").pipe(Schedule.upTo({ duration: "60 seconds" }))),
          Effect.catch(() => Effect.die(`the runner never said it started; it printed:\n${runner.output()}`))
        )
        const exit = yield* runner.stop
        assert.strictEqual(exit, 130, runner.output())
        assert.include(runner.output(), "Pipeline runner stopped")
        const stopped = yield* runCli(["pipeline", "status"])
        assert.strictEqual(stopped.code, 0, stopped.output)
        assert.match(
          stopped.output,
          new RegExp(`^No pipeline runner is running \\(the last one, pid ${runner.child.pid} on .+, stopped at `)
        )
        assert.match(stopped.output, /The figures below are from the database only/)
        assert.match(stopped.output, /schedule \(this shell's settings\)/)
        // This shell's settings are the defaults.
        assert.match(stopped.output, /cdc_to_star +\w+ +every 5s \+ NOTIFY/)
        assert.notMatch(stopped.output, /every 7s|42s/)
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    180_000
  )
})
