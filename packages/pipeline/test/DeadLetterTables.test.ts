import { loadMigrations, MIGRATION_DIRS } from "@brewlytics/db/Migrator.ts"
import { splitStatements } from "@brewlytics/db/SqlScript.ts"
import { createDatabase, databaseUrl } from "@brewlytics/db/testing/TestDatabases.ts"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"

const client = (database: string) =>
  PgClient.make({ url: Redacted.make(databaseUrl(database)), maxConnections: 2 }).pipe(Effect.provide(Reactivity.layer))

/** Runs the OLAP migrations' scripts from `from` up to `to` (inclusive), as the migrator would. */
const applyOlap = (sql: PgClient.PgClient, from: number, to: number) =>
  Effect.gen(function* () {
    for (const m of yield* loadMigrations(MIGRATION_DIRS.olap)) {
      if (m.version < from || m.version > to) continue
      for (const statement of splitStatements(m.text)) yield* sql.unsafe(statement).unprepared
    }
  })

describe("OLAP V7: one dead-letter table", () => {
  it.effect("moves every CDC dead letter into pipeline_dead_letters beside the DSL's, and drops the old table", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      yield* applyOlap(sql, 1, 6)
      yield* sql`
        INSERT INTO pipeline_dead_letter (pipeline, change_id, table_name, op, reason, payload, dead_at) VALUES
          ('cdc_to_star', 42, 'orders', 'INSERT', 'order_time 2045-06-01 is outside dim_date', '{"order_id": 7}', '2026-11-01T10:00:00Z'),
          ('cdc_to_star', 43, 'order_items', 'UPDATE', 'order 7 is not in the warehouse', NULL, '2026-11-01T10:00:01Z'),
          ('backfill', 42, 'payments', 'DELETE', 'payments row does not match its schema', '{"id": 1}', '2026-11-02T09:00:00Z')`
      yield* sql`
        INSERT INTO pipeline_dead_letters (pipeline, step, item_key, run_id, payload, reason)
        VALUES ('cdc_to_star', 'transform', 'change-42', 'run-1', '{"price": "abc"}', 'price is not a number')`
      yield* applyOlap(sql, 7, 7)

      const rows = yield* sql<Record<string, unknown>>`
        SELECT pipeline, step, item_key, run_id, table_name, op, reason, payload, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS at
        FROM pipeline_dead_letters WHERE step = 'load_star' ORDER BY id`
      assert.deepStrictEqual(rows, [
        {
          pipeline: "cdc_to_star",
          step: "load_star",
          item_key: "42",
          run_id: null,
          table_name: "orders",
          op: "INSERT",
          reason: "order_time 2045-06-01 is outside dim_date",
          payload: { order_id: 7 },
          at: "2026-11-01 10:00:00"
        },
        {
          pipeline: "cdc_to_star",
          step: "load_star",
          item_key: "43",
          run_id: null,
          table_name: "order_items",
          op: "UPDATE",
          reason: "order 7 is not in the warehouse",
          payload: null,
          at: "2026-11-01 10:00:01"
        },
        {
          pipeline: "backfill",
          step: "load_star",
          item_key: "42",
          run_id: null,
          table_name: "payments",
          op: "DELETE",
          reason: "payments row does not match its schema",
          payload: { id: 1 },
          at: "2026-11-02 09:00:00"
        }
      ])
      const [dsl] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pipeline_dead_letters WHERE step = 'transform' AND run_id = 'run-1'`
      assert.strictEqual(dsl!.n, 1)
      const [old] = yield* sql<{ exists: boolean }>`SELECT to_regclass('pipeline_dead_letter') IS NOT NULL AS exists`
      assert.isFalse(old!.exists)
    }).pipe(Effect.scoped)
  )
})
