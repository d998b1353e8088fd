import { execFileSync, spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"

const root = Path.resolve(import.meta.dirname, "../../..")
const bin = Path.join(root, "bin/brewlytics.js")

/** A Node older than 24 on this machine (Debian's), as a user's plain shell would run. */
const olderNode = ["/usr/bin/node", "/usr/local/bin/node"].find((candidate) => {
  if (!Fs.existsSync(candidate)) return false
  const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim()
  return Number(version.slice(1).split(".")[0]) < 24
})

describe.skipIf(olderNode === undefined)("bin/brewlytics.js under a Node older than 24", () => {
  it("re-runs itself under the pinned Node: the command works and its exit code comes through", () => {
    const ok = spawnSync(olderNode as string, [bin, "--version"], { encoding: "utf8", timeout: 30_000 })
    assert.strictEqual(ok.status, 0, ok.stderr)
    assert.match(ok.stdout, /brewlytics v\d+\.\d+\.\d+/)
    assert.notMatch(ok.stderr, /ERR_UNKNOWN_FILE_EXTENSION/)

    const refused = spawnSync(olderNode as string, [bin, "pipeline", "no-such-command"], {
      encoding: "utf8",
      timeout: 30_000
    })
    assert.notStrictEqual(refused.status, 0)
    assert.match(refused.stdout + refused.stderr, /Unknown subcommand "no-such-command"/)
  })

  it("without the pinned Node installed, says in one line what to do and exits non-zero", () => {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-bin-"))
    try {
      Fs.mkdirSync(Path.join(dir, "bin"))
      Fs.copyFileSync(bin, Path.join(dir, "bin/brewlytics.js"))
      const res = spawnSync(olderNode as string, [Path.join(dir, "bin/brewlytics.js"), "--version"], {
        encoding: "utf8",
        timeout: 30_000
      })
      assert.strictEqual(res.status, 1)
      const lines = res.stderr.trim().split("\n")
      assert.strictEqual(lines.length, 1, res.stderr)
      assert.match(lines[0] ?? "", /needs Node 24 .*run `npm install`/)
    } finally {
      Fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
