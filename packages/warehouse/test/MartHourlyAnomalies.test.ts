import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { runGraph } from "../src/Builder.ts"
import { loadModels } from "../src/ModelGraph.ts"
import { quiet, rows } from "./marts.ts"
import { seedStar } from "./star.ts"

layer(TestDatabases)("mart_hourly_anomalies", (it) => {
  it.effect("mart_hourly_anomalies flags an hour far off its weekday-hour baseline, and only that one", () =>
    Effect.gen(function* () {
      const sql = yield* OlapSql
      yield* seedStar(sql)
      // Six Mondays at 08:00 with 2, 3, 2, 3, 2 orders, then a rush of 20 on the sixth.
      const counts = [2, 3, 2, 3, 2, 20]
      let item = 100
      for (const [week, n] of counts.entries()) {
        for (let k = 0; k < n; k++) {
          item++
          yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
              employee_dim_id, product_id, quantity, price, total, order_time, order_status)
            SELECT ${item}, ${item}, to_char(t, 'YYYYMMDD')::int, 8, 1, 3, 1, 2, 1, 2.50, 2.50, t, 'completed'
            FROM (SELECT timestamptz '2026-03-09 08:30:00+00' + make_interval(weeks => ${week}) AS t) x`
        }
      }
      const graph = yield* loadModels()
      yield* runGraph(sql, graph, graph.order, { incremental: false, onProgress: quiet })
      const flagged = yield* rows(`SELECT date::text, hour, orders, baseline_mean::text, weeks_of_history
        FROM marts.mart_hourly_anomalies WHERE is_anomaly ORDER BY date, hour`)
      assert.deepStrictEqual(flagged, [
        { date: "2026-04-13", hour: 8, orders: 20, baseline_mean: "1.75", weeks_of_history: 8 }
      ])
    })
  )
})
