import { execFile } from "node:child_process"
import * as Path from "node:path"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { Duration, Effect, Layer, Redacted } from "effect"
import { FetchHttpClient } from "effect/http"
import { MetabaseClient } from "../../src/metabase/MetabaseClient.ts"
import { MetabaseSettings } from "../../src/metabase/Settings.ts"
import { optional, q, slot, source } from "../../src/Query.ts"
import { card, dashboard } from "../../src/Spec.ts"
import { type SyncOptions, sync } from "../../src/Sync.ts"

export const ADMIN = { email: "admin@shop.example", password: "espresso-42" }

/** Settings pointing at `url`, as the environment would give them. */
export const settingsFor = (url: string, overrides: Partial<MetabaseSettings["Service"]> = {}) =>
  MetabaseSettings.of({
    url,
    adminEmail: ADMIN.email,
    adminPassword: Redacted.make(ADMIN.password),
    siteName: "Brewlytics",
    collection: "Brewlytics",
    databaseName: "Brewlytics warehouse",
    wait: Duration.seconds(2),
    warehouse: {
      host: "localhost",
      port: 55432,
      dbname: "brewlytics_olap",
      user: "postgres",
      password: Redacted.make("pg-secret")
    },
    ...overrides
  })

export const clientLayer = (settings: MetabaseSettings["Service"]) =>
  MetabaseClient.layer.pipe(
    Layer.provideMerge(Layer.succeed(MetabaseSettings, settings)),
    Layer.provide(FetchHttpClient.layer)
  )

/** Runs the sync against `url`, collecting its progress lines. */
export const runSync = (
  url: string,
  options: Omit<SyncOptions, "onProgress">,
  overrides: Partial<MetabaseSettings["Service"]> = {}
) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    const plan = yield* sync({ ...options, onProgress: (line) => Effect.sync(() => void lines.push(line)) })
    return { plan, lines }
  }).pipe(Effect.provide(clientLayer(settingsFor(url, overrides))))

// --- small specs, built with the spec vocabulary ------------------------------------------------

const sales = source("star.fact_sales", ["date_id", "total", "category", "employee_id"], "s")

export const revenueCard = card({
  slug: "revenue_by_day",
  title: "Revenue by day",
  description: "Revenue per business day.",
  display: "line",
  query: q`SELECT ${sales.c.date_id} AS day, sum(${sales.c.total}) AS revenue FROM ${sales}
WHERE true ${optional`AND ${sales.c.date_id} >= ${slot.from}`} ${optional`AND ${sales.c.date_id} <= ${slot.to}`}
GROUP BY 1 ORDER BY 1`,
  columns: [
    { name: "day", title: "Day", type: "date" },
    { name: "revenue", title: "Revenue", type: "money" }
  ],
  visualization: { x: "day", y: ["revenue"] },
  layout: { col: 0, row: 0, sizeX: 12, sizeY: 6 }
})

export const categoryCard = card({
  slug: "revenue_by_category",
  title: "Revenue by category",
  description: "",
  display: "pie",
  query: q`SELECT ${sales.c.category} AS category, sum(${sales.c.total}) AS revenue FROM ${sales}
WHERE true ${optional`AND ${sales.c.category} = ${slot.category}`} GROUP BY 1`,
  columns: [
    { name: "category", title: "Category", type: "text" },
    { name: "revenue", title: "Revenue", type: "money" }
  ],
  visualization: { x: "category", y: ["revenue"] },
  layout: { col: 12, row: 0, sizeX: 12, sizeY: 6 }
})

export const staffCard = card({
  slug: "orders_by_employee",
  title: "Orders by employee",
  description: "Orders each employee rang up.",
  display: "table",
  query: q`SELECT ${sales.c.employee_id} AS employee, count(*) AS orders FROM ${sales}
WHERE true ${optional`AND ${sales.c.employee_id} = ${slot.employee_id}`} GROUP BY 1`,
  columns: [
    { name: "employee", title: "Employee", type: "integer" },
    { name: "orders", title: "Orders", type: "integer" }
  ],
  visualization: {},
  layout: { col: 0, row: 6, sizeX: 24, sizeY: 8 }
})

export const salesDashboard = dashboard({
  slug: "sales",
  title: "Sales",
  description: "What sold, when.",
  cards: [revenueCard, categoryCard, staffCard]
})

// --- the CLI in a child process ---------------------------------------------------------------

/** `brewlytics dashboards sync …` as a user runs it, with `env` on top of this process's environment. */
export const cli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  Effect.callback<{ readonly code: number; readonly output: string }>((resume) => {
    execFile(
      process.execPath,
      [Path.join(repoRoot, "packages/cli/src/main.ts"), "dashboards", "sync", ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : ((error.code as number) ?? 1), output: stdout + stderr }))
    )
  })
