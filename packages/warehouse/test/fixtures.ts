import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import type { ModelDeclaration } from "../src/Model.ts"

export interface FixtureModel {
  readonly sql: string
  readonly declaration: ModelDeclaration | Record<string, unknown>
}

/** Writes a throwaway models folder: `{ "staging/stg_x": { sql, declaration } }`. */
export const writeProject = (models: Record<string, FixtureModel>) =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-models-"))
      for (const [path, model] of Object.entries(models)) {
        const file = Path.join(dir, path)
        Fs.mkdirSync(Path.dirname(file), { recursive: true })
        Fs.writeFileSync(`${file}.sql`, model.sql)
        Fs.writeFileSync(`${file}.ts`, `export default ${JSON.stringify(model.declaration, null, 2)}\n`)
      }
      return dir
    }),
    (dir) => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true }))
  )

/** Empties the model schemas, so each test starts from no built models. */
export const resetModelSchemas = (sql: PgClient.PgClient) =>
  Effect.gen(function* () {
    for (const schema of ["staging", "intermediate", "marts"]) {
      yield* sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
      yield* sql`CREATE SCHEMA ${sql(schema)}`
    }
  })

/** A model declaration with just enough in it. */
export const declare = (
  materialized: "view" | "table" | "incremental",
  columns: Record<string, ReadonlyArray<unknown>>,
  extra: Record<string, unknown> = {}
) => ({
  description: "fixture",
  grain: "one row per fixture",
  materialized,
  columns: Object.fromEntries(Object.entries(columns).map(([name, tests]) => [name, { description: name, tests }])),
  ...extra
})
