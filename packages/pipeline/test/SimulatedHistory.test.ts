import { writeHistory } from "@brewlytics/api/simulate/Bulk.ts"
import { DAY } from "@brewlytics/api/simulate/Calendar.ts"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { runModels, testModels } from "@brewlytics/warehouse/Builder.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { drain } from "../src/pipelines/RunCdcToStar.ts"
import { assertReconciled, seedShop } from "./cdc/Shop.ts"

// 2026-03-02 (a Monday) to 2026-03-12, 10:30: ten days and a morning.
const FROM = Date.UTC(2026, 2, 2)
const TO = FROM + 10 * DAY + 10.5 * 3_600_000

layer(TestDatabases)("a simulated history", (it) => {
  it.effect("loads through cdc_to_star and reconciles; the marts hold every day of it", () =>
    Effect.gen(function* () {
      yield* seedShop
      const progress: Array<number> = []
      const report = yield* writeHistory({
        seed: 7,
        from: FROM,
        to: TO,
        onProgress: (p) => Effect.sync(() => progress.push(p.days))
      })
      assert.deepStrictEqual(progress, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])
      assert.isAbove(report.orders, 2000)
      assert.isAbove(report.followUps, 20)
      assert.isAbove(report.signups, 10)
      assert.strictEqual(report.skipped, 0)

      const oltp = yield* OltpSql
      const [span] = yield* oltp<{ first: string; last: string; cancelled: number; edited: number }>`
        SELECT min(order_time)::text AS first, max(order_time)::text AS last,
               count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
               (SELECT count(*)::int FROM change_log WHERE table_name = 'order_items' AND op <> 'INSERT') AS edited
        FROM orders`
      assert.isTrue(Date.parse(span!.first) >= FROM && Date.parse(span!.last) < TO, JSON.stringify(span))
      assert.isAbove(span!.cancelled, 0)
      assert.isAbove(span!.edited, 0)

      yield* drain()
      yield* assertReconciled("after a simulated history")

      yield* runModels({ onProgress: () => Effect.void })
      const olap = yield* OlapSql
      const days = yield* olap<{ date: string; orders: number }>`
        SELECT date::text, orders::int FROM marts.mart_daily_sales ORDER BY date`
      assert.strictEqual(days.length, 11)
      assert.strictEqual(days[0]!.date, "2026-03-02")
      assert.isTrue(days.every((d) => d.orders > 0))
      const tests = yield* testModels({ onProgress: () => Effect.void })
      assert.deepStrictEqual(
        tests.filter((t) => t.failures > 0 && t.severity === "error").map((t) => `${t.model}.${t.test}`),
        []
      )
    })
  )
})
