import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { buildAll, rows } from "./marts.ts"

layer(TestDatabases)("mart_daily_sales", (it) => {
  it.effect("mart_daily_sales: per-day totals, zero days, basket, 7-day average, week-over-week", () =>
    Effect.gen(function* () {
      yield* buildAll
      const days = yield* rows(`SELECT to_char(date, 'YYYY-MM-DD') AS date, orders, units, revenue::text,
          avg_basket_value::text, avg_basket_size::text, revenue_7d_avg::text, revenue_week_before::text, wow_change_pct::text
        FROM marts.mart_daily_sales WHERE date BETWEEN '2026-03-02' AND '2026-03-05' ORDER BY date`)
      assert.deepStrictEqual(days, [
        {
          date: "2026-03-02",
          orders: 2,
          units: 5,
          revenue: "13.50",
          avg_basket_value: "6.75",
          avg_basket_size: "2.50",
          revenue_7d_avg: "1.93",
          revenue_week_before: "0.00",
          wow_change_pct: null
        },
        {
          date: "2026-03-03",
          orders: 1,
          units: 1,
          revenue: "3.50",
          avg_basket_value: "3.50",
          avg_basket_size: "1.00",
          revenue_7d_avg: "2.43",
          revenue_week_before: "0.00",
          wow_change_pct: null
        },
        {
          date: "2026-03-04",
          orders: 0,
          units: 0,
          revenue: "0.00",
          avg_basket_value: null,
          avg_basket_size: null,
          revenue_7d_avg: "2.43",
          revenue_week_before: "0.00",
          wow_change_pct: null
        },
        {
          date: "2026-03-05",
          orders: 1,
          units: 3,
          revenue: "10.50",
          avg_basket_value: "10.50",
          avg_basket_size: "3.00",
          revenue_7d_avg: "3.93",
          revenue_week_before: "0.00",
          wow_change_pct: null
        }
      ])
      const span = yield* rows(`SELECT count(*)::int AS days, min(date)::text AS first, max(date)::text AS last
        FROM marts.mart_daily_sales`)
      assert.deepStrictEqual(span, [{ days: 123, first: "2025-11-03", last: "2026-03-05" }])
      const weekly = yield* rows(`SELECT week_start::text, orders, revenue::text, days, revenue_week_before::text
        FROM marts.mart_weekly_sales WHERE week_start IN ('2026-03-02', '2026-01-05', '2026-01-12') ORDER BY week_start`)
      assert.deepStrictEqual(weekly, [
        { week_start: "2026-01-05", orders: 1, revenue: "5.00", days: 7, revenue_week_before: "0.00" },
        { week_start: "2026-01-12", orders: 0, revenue: "0.00", days: 7, revenue_week_before: "5.00" },
        { week_start: "2026-03-02", orders: 4, revenue: "27.50", days: 4, revenue_week_before: "0.00" }
      ])
    })
  )
})
