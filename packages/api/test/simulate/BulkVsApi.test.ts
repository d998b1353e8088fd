import { OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { writeHistory } from "../../src/simulate/Bulk.ts"
import { DAY } from "../../src/simulate/Calendar.ts"
import { runLive } from "../../src/simulate/Live.ts"
import { baseUrl, live, TestApi } from "../TestApi.ts"

// A Sunday (short hours, a waste run after closing) and a Monday morning (deliveries, the rush).
const FROM = Date.UTC(2026, 2, 1)
const TO = FROM + DAY + 12 * 3_600_000
const SEED = 2026

/** Columns the API fills from its clock (now) and the bulk path from the event's time. */
const CLOCK = new Set(["order_time", "updated_at", "created_at", "paid_at", "moved_at"])
const timeless = (row: Record<string, unknown> | null) =>
  row === null ? null : Object.fromEntries(Object.entries(row).map(([k, v]) => [k, CLOCK.has(k) ? "<time>" : v]))

/**
 * The change log since the seed, each row's changes in log order, clock
 * columns blanked: what the pipeline reads, apart from when it happened.
 */
const changes = Effect.gen(function* () {
  const sql = yield* OltpSql
  const rows = yield* sql<{ id: number; table_name: string; op: string; row_after: any; row_before: any }>`
    SELECT id::int AS id, table_name, op, row_after, row_before FROM change_log ORDER BY id`
  return rows
    .map((r) => ({
      key: `${r.table_name}:${String((r.row_after ?? r.row_before).id).padStart(8, "0")}`,
      id: r.id,
      event: JSON.stringify([r.table_name, r.op, timeless(r.row_after), timeless(r.row_before)])
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id - b.id))
    .map((r) => r.event)
})

/** Back to a freshly seeded shop, ids from 1 again. */
const reset = Effect.gen(function* () {
  const sql = yield* OltpSql
  yield* sql`TRUNCATE customers, employees, products, orders, order_items, payments, stock_movements,
                      idempotency_keys, change_log RESTART IDENTITY CASCADE`
  yield* Effect.orDie(seed)
  yield* sql`TRUNCATE change_log RESTART IDENTITY`
})

layer(TestApi(), live)("the simulator's two writers", (it) => {
  it.effect(
    "the bulk path writes the change-log events the API writes for the same simulated day and a half",
    () =>
      Effect.gen(function* () {
        yield* reset
        const sent = yield* runLive({
          seed: SEED,
          baseUrl: yield* baseUrl,
          speed: Number.POSITIVE_INFINITY,
          from: FROM,
          until: TO
        })
        assert.strictEqual(sent.refused, 0)
        assert.isAbove(sent.orders, 300)
        const viaApi = yield* changes

        yield* reset
        const bulk = yield* writeHistory({ seed: SEED, from: FROM, to: TO })
        assert.strictEqual(bulk.orders, sent.orders)
        const viaBulk = yield* changes

        const kinds = (events: ReadonlyArray<string>) => {
          const count: Record<string, number> = {}
          for (const e of events) {
            const [table, op] = JSON.parse(e) as [string, string]
            count[`${table} ${op}`] = (count[`${table} ${op}`] ?? 0) + 1
          }
          return count
        }
        // Every kind of write is there: sign-ups, orders, edits, removals, cancellations, deliveries, waste.
        const seen = kinds(viaApi)
        for (const k of [
          "customers INSERT",
          "orders INSERT",
          "orders UPDATE",
          "order_items UPDATE",
          "payments UPDATE",
          "stock_movements INSERT"
        ]) {
          assert.isAbove(seen[k] ?? 0, 0, k)
        }
        assert.deepStrictEqual(kinds(viaBulk), seen)
        assert.deepStrictEqual(viaBulk, viaApi)

        // And the rows themselves, clock columns aside.
        const sql = yield* OltpSql
        const [stamps] = yield* sql<{
          min: string
          max: string
        }>`SELECT min(order_time)::text AS min, max(order_time)::text AS max FROM orders`
        assert.isTrue(
          Date.parse(stamps!.min) >= FROM && Date.parse(stamps!.max) < TO,
          "the bulk path keeps the simulated times"
        )
      }),
    120_000
  )
})
