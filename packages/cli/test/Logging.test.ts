import { execFile } from "node:child_process"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as fc from "fast-check"
import { chooseLogFormat, type LogFormat } from "../src/Logging.ts"
import { cli, keepAliveClient, makePlace, timeout, waitReady } from "./System.ts"

const MAIN = Path.join(import.meta.dirname, "../src/main.ts")
const PRETTY_LINE = /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|ERROR|DEBUG) \(#\d+\)/
// What `brewlytics migrate` tells its user: output, not a log line.
const MIGRATE_REPORT = /^OLTP at V\d+ \(\d+ applied now\), OLAP at V\d+ \(\d+ applied now\)$/

/** The lines of `output` that are not JSON log records. */
const notJsonLog = (output: string) =>
  output
    .split("\n")
    .filter((line) => line.trim() !== "")
    .filter((line) => {
      try {
        const record = JSON.parse(line)
        return typeof record.message === "undefined" || typeof record.level !== "string"
      } catch {
        return true
      }
    })

const jsonLogs = (output: string) => output.split("\n").filter((line) => line.startsWith("{"))

/** `brewlytics <args>` with `env`, run to its end, under `wrap` (e.g. a pseudo-terminal). */
const run = (env: Record<string, string | undefined>, command: string, args: ReadonlyArray<string>) =>
  Effect.callback<string>((resume) => {
    const clean: Record<string, string | undefined> = { ...process.env, ...env }
    delete clean.OLTP_DATABASE_URL
    delete clean.OLAP_DATABASE_URL
    delete clean.LOG_FORMAT
    execFile(command, [...args], { env: clean as NodeJS.ProcessEnv, timeout: 120_000 }, (_error, stdout, stderr) =>
      resume(Effect.succeed(stdout + stderr))
    )
  })

describe("one log format", () => {
  it("LOG_FORMAT decides; unset, a terminal gets readable lines and anything else JSON", () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom<LogFormat>("pretty", "json"), { nil: undefined }),
        fc.boolean(),
        (set, tty) => {
          const chosen = chooseLogFormat(Option.fromUndefinedOr(set), tty)
          assert.strictEqual(chosen, set ?? (tty ? "pretty" : "json"))
        }
      )
    )
  })

  it.live(
    "brewlytics api with LOG_FORMAT=json prints JSON lines only, from the CLI, the databases and the API alike",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace()
        const api = yield* cli(place, ["api"], { LOG_FORMAT: "json" })
        yield* waitReady(place, api)
        api.child.kill("SIGINT")
        yield* api.exited.pipe(timeout("30 seconds", "stopping the API"))
        const output = api.output()
        assert.deepStrictEqual(notJsonLog(output), [], output)
        const messages = jsonLogs(output).map((line) => JSON.parse(line).message as string)
        assert.isTrue(
          messages.some((m) => m.startsWith("Embedded PostgreSQL ready")),
          output
        )
        assert.isTrue(
          messages.some((m) => m.startsWith("The API answers on")),
          output
        )
        assert.notInclude(output, place.env.EMBEDDED_PG_PASSWORD!, "no secret in the logs")
      }).pipe(Effect.scoped, Effect.provide(keepAliveClient)),
    120_000
  )

  it.live(
    "without LOG_FORMAT, output that is not a terminal gets JSON; a terminal gets readable lines",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace()
        const piped = yield* run(place.env, process.execPath, [MAIN, "migrate"])
        const notJson = notJsonLog(piped)
        assert.strictEqual(notJson.length, 1, piped)
        assert.match(notJson[0]!, MIGRATE_REPORT)
        assert.isAbove(jsonLogs(piped).length, 0, piped)

        // `script` runs the command on a pseudo-terminal.
        const shellQuote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`
        const onTty = yield* run(place.env, "script", [
          "-qec",
          [process.execPath, MAIN, "migrate"].map(shellQuote).join(" "),
          "/dev/null"
        ])
        const lines = onTty.split(/\r?\n/).filter((line) => line.trim() !== "")
        assert.isTrue(
          lines.some((line) => PRETTY_LINE.test(line.replace(/\x1b\[[0-9;]*m/g, ""))),
          onTty
        )
        assert.deepStrictEqual(jsonLogs(onTty), [], onTty)
        assert.notInclude(piped + onTty, place.env.EMBEDDED_PG_PASSWORD!, "no secret in the logs")
      }).pipe(Effect.scoped),
    180_000
  )
})
