import { execFile } from "node:child_process"
import * as Path from "node:path"
import { Effect, Redacted } from "effect"
import { DatabaseUrls } from "../Databases.ts"
import { repoRoot } from "../Settings.ts"

/**
 * `brewlytics <args>` as a user runs it (a child process with no terminal),
 * against this test's databases, with `env` added: its exit code and what it
 * printed, stdout then stderr.
 */
export const runCli = Effect.fn("TestCli.runCli")(function* (
  args: ReadonlyArray<string>,
  env: Record<string, string> = {}
) {
  const urls = yield* DatabaseUrls
  return yield* Effect.callback<{ code: number; output: string }>((resume) => {
    execFile(
      process.execPath,
      [Path.join(repoRoot, "packages/cli/src/main.ts"), ...args],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          OLTP_DATABASE_URL: Redacted.value(urls.oltp),
          OLAP_DATABASE_URL: Redacted.value(urls.olap),
          ...env
        }
      },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : (error.code as number), output: stdout + stderr }))
    )
  })
})
