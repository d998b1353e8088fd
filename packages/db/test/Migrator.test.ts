import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { appliedMigrations, loadMigrations, MIGRATION_DIRS, migrate, requireCurrent } from "../src/Migrator.ts"
import { createDatabase, databaseUrl } from "../src/testing/TestDatabases.ts"

const client = (database: string) =>
  PgClient.make({ url: Redacted.make(databaseUrl(database)), maxConnections: 4 }).pipe(Effect.provide(Reactivity.layer))

describe("Migrator", () => {
  it.effect("applies every migration in version order and records it with its checksum", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      const files = yield* loadMigrations(MIGRATION_DIRS.oltp)
      const result = yield* migrate(sql, "oltp")
      assert.deepStrictEqual(
        result.applied.map((m) => m.version),
        files.map((m) => m.version)
      )
      const applied = yield* appliedMigrations(sql)
      assert.deepStrictEqual(
        applied.map((a) => [a.version, a.checksum]),
        files.map((m) => [m.version, m.checksum])
      )
      const tables = yield* sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`
      for (const t of ["customers", "employees", "products", "orders", "order_items", "payments", "stock_movements"]) {
        assert.include(
          tables.map((r) => r.table_name),
          t
        )
      }
    }).pipe(Effect.scoped)
  )

  it.effect("is idempotent: a second run applies nothing and changes nothing", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      yield* migrate(sql, "olap")
      const before = yield* appliedMigrations(sql)
      const again = yield* migrate(sql, "olap")
      assert.strictEqual(again.applied.length, 0)
      assert.deepStrictEqual(yield* appliedMigrations(sql), before)
    }).pipe(Effect.scoped)
  )

  it.effect("requireCurrent: pending until every shipped migration is applied, naming those missing", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      const shipped = yield* loadMigrations(MIGRATION_DIRS.oltp)
      const fresh = yield* Effect.flip(requireCurrent(sql, "oltp", shipped))
      assert.strictEqual(fresh.reason._tag, "MigrationsPending")
      assert.match(fresh.message, new RegExp(`OLTP database is at V0, this build ships V${shipped.at(-1)!.version}`))
      yield* migrate(sql, "oltp")
      assert.strictEqual(yield* requireCurrent(sql, "oltp", shipped), shipped.at(-1)!.version)
      yield* sql`DELETE FROM brewlytics_schema_history WHERE version = 2`
      const gap = yield* Effect.flip(requireCurrent(sql, "oltp", shipped))
      assert.strictEqual(gap.reason._tag, "MigrationsPending")
      assert.include(gap.message, `(${shipped[1]!.script} not applied)`)
    }).pipe(Effect.scoped)
  )

  it.effect("refuses, naming the file, when an applied migration was edited", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      yield* migrate(sql, "oltp")
      yield* sql`UPDATE brewlytics_schema_history SET checksum = 'deadbeef' WHERE version = 1`
      const error = yield* Effect.flip(migrate(sql, "oltp"))
      assert.strictEqual(error.reason._tag, "ChecksumMismatch")
      assert.match(error.message, /V1__init\.sql was edited after it was applied/)
    }).pipe(Effect.scoped)
  )

  it.effect("refuses a database that has a migration this build does not ship", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      yield* migrate(sql, "oltp")
      yield* sql`INSERT INTO brewlytics_schema_history (version, description, script, checksum, execution_time_ms)
                 VALUES (999, 'from the future', 'V999__from_the_future.sql', 'x', 0)`
      const error = yield* Effect.flip(migrate(sql, "oltp"))
      assert.strictEqual(error.reason._tag, "UnknownVersion")
      assert.match(error.message, /V999/)
    }).pipe(Effect.scoped)
  )

  it.effect("concurrent runs from several clients apply each migration exactly once", () =>
    Effect.gen(function* () {
      const name = yield* createDatabase("empty")
      const clients = yield* Effect.forEach([1, 2, 3, 4], () => client(name))
      const results = yield* Effect.forEach(clients, (sql) => migrate(sql, "oltp"), { concurrency: "unbounded" })
      const files = yield* loadMigrations(MIGRATION_DIRS.oltp)
      const total = results.reduce((n, r) => n + r.applied.length, 0)
      assert.strictEqual(total, files.length)
      const rows = yield* clients[0]!<{ n: number }>`SELECT count(*)::int AS n FROM brewlytics_schema_history`
      assert.strictEqual(rows[0]!.n, files.length)
    }).pipe(Effect.scoped)
  )

  it.effect("a failing statement rolls its migration back and names the file and statement", () =>
    Effect.gen(function* () {
      const sql = yield* client(yield* createDatabase("empty"))
      yield* sql`CREATE TABLE customers (id int)` // V1's first CREATE TABLE now collides
      const error = yield* Effect.flip(migrate(sql, "oltp"))
      assert.strictEqual(error.reason._tag, "MigrationFailed")
      assert.match(error.message, /V1__init\.sql, statement 1 of \d+ failed/)
      assert.deepStrictEqual(yield* appliedMigrations(sql), [])
      const employees = yield* sql`SELECT 1 FROM information_schema.tables WHERE table_name = 'employees'`
      assert.strictEqual(employees.length, 0)
    }).pipe(Effect.scoped)
  )
})
