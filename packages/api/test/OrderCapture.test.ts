import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { live, postJson, TestApi } from "./TestApi.ts"

/** The change-log rows of the four order tables, each beside the live row it must equal. */
const capturedBesideLive = (orderId: number) =>
  Effect.gen(function* () {
    const sql = yield* OltpSql
    return yield* sql<{ table_name: string; logged: unknown; live: unknown }>`
      SELECT c.table_name, c.row_after AS logged, t.row AS live
      FROM change_log c
      JOIN (
        SELECT 'orders' AS table_name, o.id, to_jsonb(o) AS row FROM orders o WHERE o.id = ${orderId}
        UNION ALL SELECT 'order_items', i.id, to_jsonb(i) FROM order_items i WHERE i.order_id = ${orderId}
        UNION ALL SELECT 'payments', p.id, to_jsonb(p) FROM payments p WHERE p.order_id = ${orderId}
        UNION ALL SELECT 'stock_movements', s.id, to_jsonb(s) FROM stock_movements s WHERE s.order_id = ${orderId}
      ) t ON t.table_name = c.table_name AND (c.row_after ->> 'id')::bigint = t.id
      WHERE c.op = 'INSERT'
      ORDER BY c.id`
  })

layer(TestApi(), live)("the order statement's own change capture (OLTP V6)", (it) => {
  it.effect("logs each row it inserts exactly once, as the whole row, in the order's transaction", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const created = yield* postJson("/orders/new", {
        customer_id: 3,
        items: [
          { product_id: 2, quantity: 2 },
          { product_id: 5, quantity: 1 }
        ]
      })
      assert.strictEqual(created.status, 200, created.text)
      const rows = yield* capturedBesideLive(created.json.order_id)
      assert.deepStrictEqual(
        rows.map((r) => r.table_name),
        ["orders", "order_items", "order_items", "payments", "stock_movements", "stock_movements"]
      )
      for (const r of rows) assert.deepStrictEqual(r.logged, r.live, r.table_name)
      const [xids] = yield* sql<{ n: number }>`
        SELECT count(DISTINCT xid)::int AS n FROM change_log
        WHERE table_name = 'orders' AND (row_after ->> 'id')::bigint = ${created.json.order_id}
           OR (row_after ->> 'order_id')::bigint = ${created.json.order_id}`
      assert.strictEqual(xids!.n, 1)
    })
  )

  it.effect("a refused order logs nothing", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const [before] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log`
      const refused = yield* postJson("/orders/new", { customer_id: 999_999, items: [{ product_id: 2, quantity: 1 }] })
      assert.strictEqual(refused.status, 422, refused.text)
      const [after] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log`
      assert.strictEqual(after!.n, before!.n)
    })
  )

  it.effect(
    "other inserts into the same tables, even later in the order's transaction, are captured by the triggers",
    () =>
      Effect.gen(function* () {
        const sql = yield* OltpSql
        const [employee] = yield* sql<{
          id: number
        }>`SELECT id::int AS id FROM employees WHERE active ORDER BY id LIMIT 1`
        const later = yield* sql.withTransaction(
          Effect.gen(function* () {
            // The statement marks itself for its own transaction: the next statement must not match.
            yield* sql`SELECT set_config('brewlytics.self_captured', statement_timestamp()::text, true)`
            const [order] = yield* sql<{ id: number }>`
            INSERT INTO orders (customer_id, employee_id) VALUES (4, ${employee!.id}) RETURNING id::int AS id`
            yield* sql`INSERT INTO stock_movements (product_id, kind, quantity) VALUES (2, 'received', 10)`
            return order!.id
          })
        )
        const rows = yield* capturedBesideLive(later)
        assert.deepStrictEqual(
          rows.map((r) => r.table_name),
          ["orders"]
        )
        assert.deepStrictEqual(rows[0]!.logged, rows[0]!.live)
        const [received] = yield* sql<{ n: number }>`
        SELECT count(*)::int AS n FROM change_log
        WHERE table_name = 'stock_movements' AND row_after ->> 'kind' = 'received'`
        assert.isAtLeast(received!.n, 1)
      })
  )
})
