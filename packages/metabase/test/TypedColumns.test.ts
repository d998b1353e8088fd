import * as Path from "node:path"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { assert, describe, it } from "@effect/vitest"
import ts from "typescript"

/**
 * A card names a mart's columns through the mart's declaration, so renaming a
 * column there breaks the typecheck of the dashboards that read it. Compiled
 * here with the project's own tsconfig, the declaration swapped in memory.
 */

const DASHBOARD = Path.join(repoRoot, "packages/metabase/src/dashboards/ShopOverview.ts")
const DECLARATION = Path.join(repoRoot, "packages/warehouse/models/marts/mart_daily_sales.ts")

const options = (() => {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    Path.join(repoRoot, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"))
      }
    }
  )
  return parsed!.options
})()

/** The dashboard's type errors, with the declaration's text edited by `edit`. */
const errorsWith = (edit: (text: string) => string, oldProgram?: ts.Program) => {
  const host = ts.createCompilerHost(options)
  const original = host.getSourceFile
  host.getSourceFile = (fileName, language, onError, create) => {
    if (Path.resolve(fileName) !== DECLARATION) return original(fileName, language, onError, create)
    return ts.createSourceFile(fileName, edit(ts.sys.readFile(fileName)!), language)
  }
  const program = ts.createProgram({ rootNames: [DASHBOARD], options, host, ...(oldProgram ? { oldProgram } : {}) })
  const errors = ts
    .getPreEmitDiagnostics(program, program.getSourceFile(DASHBOARD))
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"))
  return { program, errors }
}

describe("cards are typed by the model declarations", () => {
  it("the shop overview compiles against mart_daily_sales as declared, and not once a column it reads is renamed", () => {
    const asDeclared = errorsWith((text) => text)
    assert.deepStrictEqual(asDeclared.errors, [])

    const renamed = errorsWith((text) => {
      assert.include(text, "revenue_7d_avg:")
      return text.replace("revenue_7d_avg:", "revenue_avg_7d:")
    }, asDeclared.program)
    assert.isAbove(renamed.errors.length, 0)
    assert.isTrue(
      renamed.errors.some((e) => e.includes("revenue_7d_avg")),
      `an error names the column: ${renamed.errors.join(" | ")}`
    )
  }, 120_000)
})
