import { q } from "../Query.ts"
import { pipelineDeadLetters, pipelineRuns, warehouseChangedDays, warehouseModelPending } from "../Sources.ts"
import { card, dashboard } from "../Spec.ts"

/** Freshness is the lag of `cdc_to_star`, the change-data capture into the star schema. */
const r = pipelineRuns("r")
const c = warehouseChangedDays("c")
const p = warehouseModelPending("p")

export const pipelineHealth = dashboard({
  slug: "pipeline-health",
  title: "Pipeline health",
  description: "How fresh the warehouse is, how the pipelines run, what failed, and what is waiting to be built.",
  cards: [
    card({
      slug: "freshness",
      title: "Freshness lag",
      description: "Seconds the change-data capture was behind the till at its latest run, and the events it had left.",
      display: "scalar",
      query: q`
SELECT round(coalesce(${r.c.lag_seconds}, 0)::numeric, 2) AS lag_seconds, coalesce(${r.c.lag_events}, 0)::int AS lag_events
FROM ${r}
WHERE ${r.c.pipeline} = 'cdc_to_star'
ORDER BY ${r.c.started_at} DESC
LIMIT 1`,
      columns: [
        { name: "lag_seconds", title: "Seconds behind", type: "number" },
        { name: "lag_events", title: "Events left", type: "integer" }
      ],
      visualization: { y: ["lag_seconds"], comparison: "lag_events" },
      layout: { col: 0, row: 0, sizeX: 8, sizeY: 3 },
      live: true
    }),
    card({
      slug: "models-waiting",
      title: "Changed days waiting",
      description:
        "Changed days the warehouse models have not yet rebuilt, and how long the oldest has waited (seconds).",
      display: "scalar",
      query: q`
SELECT count(*)::int AS waiting,
       round(coalesce(extract(epoch FROM now() - min(w.marked_at)), 0)::numeric, 1) AS oldest_seconds
FROM (SELECT ${c.c.marked_at} AS marked_at FROM ${c} UNION ALL SELECT ${p.c.marked_at} FROM ${p}) w`,
      columns: [
        { name: "waiting", title: "Days waiting", type: "integer" },
        { name: "oldest_seconds", title: "Oldest (s)", type: "number" }
      ],
      visualization: { y: ["waiting"], comparison: "oldest_seconds" },
      layout: { col: 8, row: 0, sizeX: 8, sizeY: 3 },
      live: true
    }),
    card({
      slug: "runs-today",
      title: "Runs in the last 24 hours",
      description: "Pipeline runs started in the last 24 hours, and how many of them failed.",
      display: "scalar",
      query: q`
SELECT count(*)::int AS runs, count(*) FILTER (WHERE ${r.c.status} = 'failed')::int AS failed
FROM ${r}
WHERE ${r.c.started_at} > now() - interval '24 hours'`,
      columns: [
        { name: "runs", title: "Runs", type: "integer" },
        { name: "failed", title: "Failed", type: "integer" }
      ],
      visualization: { y: ["runs"], comparison: "failed" },
      layout: { col: 16, row: 0, sizeX: 8, sizeY: 3 },
      live: true
    }),
    card({
      slug: "lag-trend",
      title: "Lag over the last hour",
      description: "The change-data capture's largest lag per minute (seconds), and the rows it wrote.",
      display: "line",
      query: q`
SELECT to_char(date_trunc('minute', ${r.c.started_at} AT TIME ZONE 'UTC'), 'HH24:MI') AS minute,
       round(max(coalesce(${r.c.lag_seconds}, 0))::numeric, 2) AS lag_seconds, sum(${r.c.rows_written})::int AS rows_written
FROM ${r}
WHERE ${r.c.started_at} > now() - interval '1 hour' AND ${r.c.pipeline} = 'cdc_to_star'
GROUP BY 1
ORDER BY 1`,
      columns: [
        { name: "minute", title: "Minute (UTC)", type: "text" },
        { name: "lag_seconds", title: "Lag (s)", type: "number" },
        { name: "rows_written", title: "Rows written", type: "integer" }
      ],
      visualization: { x: "minute", y: ["lag_seconds", "rows_written"] },
      layout: { col: 0, row: 3, sizeX: 12, sizeY: 6 },
      empty: "No lag and no loads in the last hour."
    }),
    card({
      slug: "runs-by-trigger",
      title: "Runs by trigger and status",
      description: "Pipeline runs of the last 24 hours per pipeline and trigger, succeeded or failed.",
      display: "bar",
      query: q`
SELECT ${r.c.pipeline} || ' · ' || ${r.c.trigger} AS trigger, ${r.c.status} AS status, count(*)::int AS runs
FROM ${r}
WHERE ${r.c.started_at} > now() - interval '24 hours'
GROUP BY 1, 2
ORDER BY 1, 2`,
      columns: [
        { name: "trigger", title: "Pipeline · trigger", type: "text" },
        { name: "status", title: "Status", type: "text" },
        { name: "runs", title: "Runs", type: "integer" }
      ],
      visualization: { x: "trigger", series: "status", y: ["runs"] },
      layout: { col: 12, row: 3, sizeX: 12, sizeY: 6 }
    }),
    card({
      slug: "failures",
      title: "Latest failures",
      description: "The twenty latest failed runs of the last seven days, with their error.",
      display: "table",
      query: q`
SELECT ${r.c.started_at} AS started_at, ${r.c.pipeline} AS pipeline, ${r.c.trigger} AS trigger, ${r.c.error} AS error
FROM ${r}
WHERE ${r.c.status} = 'failed' AND ${r.c.started_at} > now() - interval '7 days'
ORDER BY ${r.c.started_at} DESC
LIMIT 20`,
      columns: [
        { name: "started_at", title: "Started", type: "timestamp" },
        { name: "pipeline", title: "Pipeline", type: "text" },
        { name: "trigger", title: "Trigger", type: "text" },
        { name: "error", title: "Error", type: "text" }
      ],
      visualization: {},
      layout: { col: 0, row: 9, sizeX: 12, sizeY: 7 },
      empty: "No failed runs in the last seven days."
    }),
    card({
      slug: "dead-letters",
      title: "Dead letters",
      description: "Items that could not load, per pipeline, step and reason (the change capture's and the steps').",
      display: "table",
      query: (() => {
        const l = pipelineDeadLetters("l")
        // A change the load could not use is an item of `load_star` with its OLTP table and operation.
        return q`
SELECT ${l.c.pipeline} AS pipeline,
       CASE WHEN ${l.c.table_name} IS NULL THEN ${l.c.step} ELSE ${l.c.step} || ' (' || ${l.c.table_name} || ' ' || ${l.c.op} || ')' END AS step,
       ${l.c.reason} AS reason, count(*)::int AS items, max(${l.c.created_at}) AS latest
FROM ${l}
GROUP BY 1, 2, 3
ORDER BY latest DESC
LIMIT 20`
      })(),
      columns: [
        { name: "pipeline", title: "Pipeline", type: "text" },
        { name: "step", title: "Step", type: "text" },
        { name: "reason", title: "Reason", type: "text" },
        { name: "items", title: "Items", type: "integer" },
        { name: "latest", title: "Latest", type: "timestamp" }
      ],
      visualization: {},
      layout: { col: 12, row: 9, sizeX: 12, sizeY: 7 },
      empty: "No dead letters: every item loaded."
    }),
    card({
      slug: "changed-days",
      title: "Changed days per source",
      description: "Per fact table: days changed since the models last read them, and the oldest mark's age (seconds).",
      display: "table",
      query: q`
SELECT s.source, count(${c.c.date_id})::int AS changed_days,
       round(coalesce(extract(epoch FROM now() - min(${c.c.marked_at})), 0)::numeric, 1) AS oldest_seconds
FROM (VALUES ('fact_sales'), ('fact_payments'), ('fact_inventory')) s(source)
LEFT JOIN ${c} ON ${c.c.source} = s.source
GROUP BY s.source
ORDER BY s.source`,
      columns: [
        { name: "source", title: "Source", type: "text" },
        { name: "changed_days", title: "Changed days", type: "integer" },
        { name: "oldest_seconds", title: "Oldest (s)", type: "number" }
      ],
      visualization: {},
      layout: { col: 0, row: 16, sizeX: 24, sizeY: 5 }
    })
  ]
})
