import { type ChildProcess, execFile, spawn } from "node:child_process"
import * as Path from "node:path"
import { Effect, Redacted } from "effect"
import { DatabaseUrls } from "../Databases.ts"
import { repoRoot } from "../Settings.ts"

const MAIN = Path.join(repoRoot, "packages/cli/src/main.ts")

/** The environment of a `brewlytics` child process on this test's databases, with `env` added. */
const cliEnv = (env: Record<string, string>) =>
  Effect.map(DatabaseUrls, (urls) => ({
    ...process.env,
    OLTP_DATABASE_URL: Redacted.value(urls.oltp),
    OLAP_DATABASE_URL: Redacted.value(urls.olap),
    ...env
  }))

/**
 * `brewlytics <args>` as a user runs it (a child process with no terminal),
 * against this test's databases, with `env` added: its exit code and what it
 * printed, stdout then stderr.
 */
export const runCli = Effect.fn("TestCli.runCli")(function* (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
) {
  const childEnv = yield* cliEnv(env)
  return yield* Effect.callback<{ code: number; output: string }>((resume) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: repoRoot, env: childEnv }, (error, stdout, stderr) =>
      resume(Effect.succeed({ code: error === null ? 0 : (error.code as number), output: stdout + stderr }))
    )
  })
})

/** A long-running `brewlytics` process: what it printed so far, how to stop it, and how it ended. */
export interface StartedCli {
  readonly child: ChildProcess
  readonly output: () => string
  /** Ctrl-C, then its exit code (null when a signal ended it). */
  readonly stop: Effect.Effect<number | null>
  readonly alive: () => boolean
  /** Settles with its exit code once it has exited. */
  readonly exited: Promise<number | null>
}

/**
 * `brewlytics <args>` started like `runCli` but not waited for (`pipeline
 * run`, say); killed when the scope closes if it still runs.
 */
export const startCli = (args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.gen(function* () {
      const child = spawn(process.execPath, [MAIN, ...args], {
        cwd: repoRoot,
        env: yield* cliEnv(env),
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      const collect = (chunk: Buffer) => {
        output += chunk.toString()
      }
      child.stdout!.on("data", collect)
      child.stderr!.on("data", collect)
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const stop = Effect.suspend(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT")
        return Effect.promise(() => exited)
      })
      const alive = () => child.exitCode === null && child.signalCode === null
      return { child, output: () => output, stop, alive, exited } satisfies StartedCli
    }),
    (started) =>
      started.alive()
        ? Effect.promise(() => {
            started.child.kill("SIGKILL")
            return started.exited
          })
        : Effect.void
  )
