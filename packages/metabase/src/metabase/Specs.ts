import * as Fs from "node:fs"
import * as Path from "node:path"
import { pathToFileURL } from "node:url"
import { Effect } from "effect"
import type { DashboardSpec } from "../Spec.ts"
import { MetabaseError } from "./Errors.ts"

const DIRECTORY = Path.resolve(import.meta.dirname, "../dashboards")

const isDashboardSpec = (value: unknown): value is DashboardSpec =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as DashboardSpec).slug === "string" &&
  typeof (value as DashboardSpec).title === "string" &&
  Array.isArray((value as DashboardSpec).cards) &&
  Array.isArray((value as DashboardSpec).filters)

/**
 * Every dashboard spec exported by a module of `src/dashboards/`, in file order:
 * a new dashboard file is synced without being listed anywhere else. Two specs
 * with one slug are an error (they would fight over one Metabase dashboard).
 */
export const loadDashboards = Effect.fn("Metabase.loadDashboards")(function* (directory: string = DIRECTORY) {
  const failed = (cause: unknown) =>
    new MetabaseError({
      reason: "Specs",
      message: `Cannot load the dashboard specs in ${directory}: ${cause instanceof Error ? cause.message : String(cause)}. Fix the spec, then run the sync again.`
    })
  const files = yield* Effect.try({
    try: () =>
      Fs.readdirSync(directory)
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
        .sort(),
    catch: failed
  })
  const found = new Map<string, { readonly spec: DashboardSpec; readonly file: string }>()
  for (const file of files) {
    const module = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(Path.join(directory, file)).href) as Promise<Record<string, unknown>>,
      catch: failed
    })
    for (const value of Object.values(module)) {
      if (!isDashboardSpec(value)) continue
      const seen = found.get(value.slug)
      if (seen !== undefined && seen.spec !== value) {
        return yield* failed(`the slug "${value.slug}" names a dashboard in both ${seen.file} and ${file}`)
      }
      found.set(value.slug, { spec: value, file })
    }
  }
  return [...found.values()].map((f) => f.spec)
})
