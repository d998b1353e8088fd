import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { runModels } from "@brewlytics/warehouse/Builder.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { drain as drainAll } from "../src/pipelines/RunCdcToStar.ts"
import { describeDifferences, reconcileDaily } from "../src/Reconcile.ts"
import { placeOrders, seedShop } from "./cdc/Shop.ts"

const drain = drainAll()

const buildModels = runModels({ incremental: false, onProgress: () => Effect.void })

const cents = (text: string) => Math.round(Number(text) * 100)

describe("reconcileDaily (models test)", () => {
  it.effect("per-day revenue, units and orders of the marts equal OLTP, and a drift is named by day", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(40)
      yield* drain
      yield* buildModels
      const ok = yield* reconcileDaily()
      assert.isAbove(ok.days, 1)
      assert.deepStrictEqual(ok.differences, [])

      // A fact lost by a faulty load: the marts now disagree on its day, by exactly what it held.
      const olap = yield* OlapSql
      const [lost] = yield* olap<{ order_id: string; day: string; quantity: number; total: string }>`
        DELETE FROM fact_sales WHERE order_item_id = (SELECT min(order_item_id) FROM fact_sales)
        RETURNING order_id::text, to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, quantity, total::text`
      const [left] = yield* olap<{ n: number }>`
        SELECT count(*)::int AS n FROM fact_sales WHERE order_id = ${lost!.order_id}::int8`
      yield* buildModels
      const drift = yield* reconcileDaily()
      assert.deepStrictEqual(
        drift.differences.map((d) => [d.day, d.measure]),
        [...(left!.n === 0 ? [[lost!.day, "orders"]] : []), [lost!.day, "units"], [lost!.day, "revenue"]]
      )
      const by = Object.fromEntries(drift.differences.map((d) => [d.measure, d]))
      if (left!.n === 0) assert.strictEqual(Number(by.orders!.oltp) - Number(by.orders!.warehouse), 1)
      assert.strictEqual(Number(by.units!.oltp) - Number(by.units!.warehouse), lost!.quantity)
      assert.strictEqual(cents(by.revenue!.oltp) - cents(by.revenue!.warehouse), cents(lost!.total))
      assert.match(by.revenue!.oltp, /^\d+\.\d\d$/)
      assert.include(describeDifferences(drift), `${lost!.day} units: OLTP ${by.units!.oltp}, warehouse`)
    }).pipe(Effect.provide(TestDatabases))
  )
})
