import { textArray } from "@brewlytics/db/SqlArrays.ts"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { ancestors, type ModelGraph } from "../ModelGraph.ts"
import { SOURCE_SCHEMA } from "../Template.ts"

/** The star-schema tables a model reads, directly or through the models it refers to. */
export const upstreamSources = (graph: ModelGraph, name: string): ReadonlyArray<string> => [
  ...new Set([...ancestors(graph, name)].flatMap((n) => graph.models.get(n)!.sources))
]

/** Star-schema tables whose changed days OLAP V5's triggers mark. */
export const markedTables = (sql: PgClient.PgClient) =>
  sql<{ source: string }>`
    SELECT DISTINCT c.relname AS source
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE t.tgfoid = 'warehouse_mark_changed_days'::regproc AND n.nspname = ${SOURCE_SCHEMA}`.pipe(
    Effect.map((rows) => new Set(rows.map((r) => r.source)))
  )

/**
 * Takes the changed days the triggers marked (exactly those committed before
 * this statement, whose facts every later build sees) and hands each to every
 * table or incremental model of the graph reading its fact table, as pending
 * days that the model consumes when it publishes. One statement, so a mark is
 * either handed on or left for the next run, never lost. Returns how many
 * distinct (table, day) marks it took.
 */
export const claimChangedDays = Effect.fn("Builder.claimChangedDays")(function* (
  sql: PgClient.PgClient,
  graph: ModelGraph
) {
  const pairs = graph.order
    .filter((n) => graph.models.get(n)!.declaration.materialized !== "view")
    .flatMap((n) => upstreamSources(graph, n).map((source) => [n, source] as const))
  if (pairs.length === 0) return 0
  const sources = [...new Set(pairs.map(([, source]) => source))]
  const [row] = yield* sql<{ marks: number }>`
    WITH claimed AS (
      DELETE FROM warehouse_changed_days WHERE source = ANY(${textArray(sources)}::text[]) RETURNING source, date_id, marked_at
    ), handed AS (
      INSERT INTO warehouse_model_pending (model, date_id, marked_at)
      SELECT m.model, c.date_id, min(c.marked_at)
      FROM claimed c JOIN unnest(${textArray(pairs.map(([n]) => n))}::text[], ${textArray(pairs.map(([, s]) => s))}::text[]) AS m(model, source)
        USING (source)
      GROUP BY m.model, c.date_id
      RETURNING 1
    )
    SELECT count(DISTINCT (source, date_id))::int AS marks FROM claimed`
  return row!.marks
})

/**
 * Of the given models, those with changed days pending, every view (cheap to
 * check, and the tables read them) and any model not built yet.
 */
export const changedModels = (sql: PgClient.PgClient, graph: ModelGraph, names: ReadonlyArray<string>) =>
  sql<{ model: string }>`
    SELECT m.model FROM unnest(${textArray(names as Array<string>)}::text[], ${textArray(names.map((n) => graph.models.get(n)!.relation))}::text[]) AS m(model, relation)
    WHERE to_regclass(m.relation) IS NULL
       OR EXISTS (SELECT 1 FROM warehouse_model_pending p WHERE p.model = m.model)`.pipe(
    Effect.map((rows) => {
      const waiting = new Set(rows.map((r) => r.model))
      return names.filter((n) => waiting.has(n) || graph.models.get(n)!.declaration.materialized === "view")
    })
  )
