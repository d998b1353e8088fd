import { execFileSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { findUndeclared, packageOf } from "../scripts/check-deps.ts"

const SCRIPT = Path.join(import.meta.dirname, "..", "scripts", "check-deps.ts")

/** A workspace in a fresh folder: the root manifest, one package `pkg` and its files. */
const workspace = (options: {
  readonly root?: Record<string, unknown>
  readonly pkg?: Record<string, unknown>
  readonly files: Record<string, string>
}) => {
  const root = Fs.mkdtempSync(Path.join(Os.tmpdir(), "check-deps-"))
  const write = (file: string, text: string) => {
    Fs.mkdirSync(Path.dirname(Path.join(root, file)), { recursive: true })
    Fs.writeFileSync(Path.join(root, file), text)
  }
  write("package.json", JSON.stringify({ name: "ws", workspaces: ["packages/*"], ...options.root }))
  write("packages/pkg/package.json", JSON.stringify({ name: "@ws/pkg", ...options.pkg }))
  for (const [file, text] of Object.entries(options.files)) write(Path.join("packages/pkg", file), text)
  return root
}

describe("check-deps", () => {
  it("names the file and the import a package does not declare", () => {
    const root = workspace({
      pkg: { dependencies: { effect: "^4.1.0" } },
      files: {
        "src/Ok.ts": `import { Effect } from "effect"\nimport * as Fs from "node:fs"\nimport { x } from "./Local.ts"\n`,
        "src/Bad.ts": `import { Schema } from "effect/Schema"\nimport type { Pool } from "@acme/pool/Pool.ts"\n`,
        "test/Bad.test.ts": `const m = await import("left-pad")\n`
      }
    })
    const found = findUndeclared(root)
    assert.deepStrictEqual(
      found.map((u) => [u.file, u.specifier, u.dependency, u.dev]),
      [
        [Path.join("packages", "pkg", "src", "Bad.ts"), "@acme/pool/Pool.ts", "@acme/pool", false],
        [Path.join("packages", "pkg", "test", "Bad.test.ts"), "left-pad", "left-pad", true]
      ]
    )
  })

  it("lets tests, src/testing and scripts use devDependencies and the root's, but not shipped code", () => {
    const files = {
      "src/Main.ts": `import fc from "fast-check"\n`,
      "src/testing/Harness.ts": `import { inject } from "vitest"\n`,
      "test/A.test.ts": `import fc from "fast-check"\nimport { inject } from "vitest"\n`,
      "scripts/build.ts": `import ts from "typescript"\n`
    }
    const root = workspace({
      root: { devDependencies: { vitest: "5.1", typescript: "^5" } },
      pkg: { devDependencies: { "fast-check": "^4" } },
      files
    })
    assert.deepStrictEqual(
      findUndeclared(root).map((u) => u.file),
      [Path.join("packages", "pkg", "src", "Main.ts")]
    )
  })

  it("ignores the package's own name, template text and comments", () => {
    const root = workspace({
      files: {
        "models/m.ts": `import type { X } from "@ws/pkg/Model.ts"\n`,
        "test/Sdk.test.ts": 'const consumer = `import { make } from "some-sdk"`\n// import x from "nothing"\n'
      }
    })
    assert.deepStrictEqual(findUndeclared(root), [])
  })

  it("fails as a command, naming file and import, and passes once the import is declared", () => {
    const root = workspace({ files: { "src/A.ts": `import Handlebars from "handlebars"\n` } })
    const failed = (() => {
      try {
        execFileSync(process.execPath, [SCRIPT, root], { stdio: "pipe" })
        return undefined
      } catch (e) {
        return e as { status: number; stderr: Buffer }
      }
    })()
    assert.isDefined(failed)
    assert.strictEqual(failed!.status, 1)
    assert.include(failed!.stderr.toString(), `${Path.join("packages", "pkg", "src", "A.ts")}: imports "handlebars"`)
    assert.include(failed!.stderr.toString(), `does not declare "handlebars"`)
    Fs.writeFileSync(
      Path.join(root, "packages/pkg/package.json"),
      JSON.stringify({ name: "@ws/pkg", dependencies: { handlebars: "^4" } })
    )
    assert.include(execFileSync(process.execPath, [SCRIPT, root]).toString(), "declares what it imports")
  })

  it("reports exactly the imported packages left undeclared", () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/).filter((n) => packageOf(n) === n)
    const scoped = fc.tuple(name, name).map(([s, n]) => `@${s}/${n}`)
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.oneof(name, scoped), fc.boolean()), { selector: ([n]) => n, maxLength: 6 }),
        (imports) => {
          const root = workspace({
            pkg: { dependencies: Object.fromEntries(imports.filter(([, d]) => d).map(([n]) => [n, "*"])) },
            files: { "src/A.ts": imports.map(([n], i) => `import * as m${i} from "${n}/sub.ts"\n`).join("") }
          })
          assert.deepStrictEqual(
            findUndeclared(root)
              .map((u) => u.dependency)
              .sort(),
            imports
              .filter(([, d]) => !d)
              .map(([n]) => n)
              .sort()
          )
          Fs.rmSync(root, { recursive: true })
        }
      ),
      { numRuns: 30 }
    )
  })
})
