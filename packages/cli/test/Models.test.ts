import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"

/** `brewlytics …` as a user runs it, against this test's databases. */
const cli = runCli

describe("brewlytics models", () => {
  it.effect(
    "run --since takes YYYY-MM-DD (and yyyymmdd), and refuses anything else naming the flag and the format",
    () =>
      Effect.gen(function* () {
        for (const since of ["2026-11-01", "20261101"]) {
          const ok = yield* cli(["models", "run", "--since", since, "--select", "stg_sales"])
          assert.strictEqual(ok.code, 0, ok.output)
          assert.notMatch(ok.output, /Invalid value/)
        }
        for (const since of ["2026-13-01", "2026-02-30", "01/11/2026", "yesterday"]) {
          const refused = yield* cli(["models", "run", "--since", since, "--select", "stg_sales"])
          assert.notStrictEqual(refused.code, 0, since)
          assert.match(refused.output, /--since/, since)
          assert.match(refused.output, /YYYY-MM-DD/, since)
        }
      }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("docs writes under BREWLYTICS_DATA_DIR when no --out is given", () =>
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-docs-"))
      try {
        const run = yield* cli(["models", "docs"], { BREWLYTICS_DATA_DIR: dir })
        assert.strictEqual(run.code, 0, run.output)
        const page = Path.join(dir, "docs", "models.html")
        assert.include(run.output, `Wrote ${page}`)
        assert.match(Fs.readFileSync(page, "utf8"), /mart_daily_sales/)
      } finally {
        Fs.rmSync(dir, { recursive: true, force: true })
      }
    }).pipe(Effect.provide(TestDatabases))
  )
})
