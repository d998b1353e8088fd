import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { MINUTE } from "../../src/simulate/Calendar.ts"
import { runLive } from "../../src/simulate/Live.ts"
import { type SimEvent, simulate } from "../../src/simulate/Model.ts"
import { baseUrl, live, TestApi } from "../TestApi.ts"

// Monday 2026-03-02, 07:00-07:10 UTC, the start of the morning rush, at 120x: five seconds.
const FROM = Date.UTC(2026, 2, 2, 7)
const TO = FROM + 10 * MINUTE
const SPEED = 120

layer(TestApi(), live)("the live simulation", (it) => {
  it.effect("sends each order at its simulated time scaled by --speed, never before", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const staff = yield* sql<{ id: number }>`SELECT id::int AS id FROM employees WHERE active ORDER BY id`
      const menu = yield* sql<{ id: number; name: string; category: "coffee" }>`
        SELECT id::int AS id, name, category FROM products WHERE active ORDER BY id`
      const planned = simulate(3, { staff: staff.map((s) => s.id), menu }, { from: FROM, to: TO }).events.filter(
        (e): e is Extract<SimEvent, { _tag: "Ordered" }> => e._tag === "Ordered"
      )

      const began = yield* Clock.currentTimeMillis
      const report = yield* runLive({ seed: 3, baseUrl: yield* baseUrl, speed: SPEED, from: FROM, until: TO })
      assert.strictEqual(report.refused, 0)
      assert.strictEqual(report.orders, planned.length)
      assert.isAbove(planned.length, 8)

      // The API stamps each order with its own clock: none earlier than it was due.
      const sent = yield* sql<{ at: number }>`
        SELECT (extract(epoch FROM order_time) * 1000)::float8 AS at FROM orders ORDER BY id`
      assert.strictEqual(sent.length, planned.length)
      for (const [k, order] of planned.entries()) {
        const due = began + (order.at - FROM) / SPEED
        assert.isAtLeast(sent[k]!.at, due - 20, `order ${k} sent ${due - sent[k]!.at} ms early`)
      }
    })
  )
})
