import { OlapSql } from "@brewlytics/db/Databases.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { drain as drainAll } from "../src/pipelines/RunCdcToStar.ts"
import { type ReconcileMismatch, reconcile, reconcileOrFail } from "../src/Reconcile.ts"
import { placeOrders, seedShop } from "./cdc/Shop.ts"

const drain = drainAll()

/** `brewlytics …` as a user runs it, against this test's databases. */
const cli = runCli(["reconcile"])

describe("reconcile", () => {
  it.effect("agrees when the warehouse holds what OLTP holds, and names each difference when not", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(120)
      yield* drain
      const clean = yield* reconcile()
      assert.strictEqual(clean.differences, 0)
      assert.isAbove(clean.checks.length, 5)

      const olap = yield* OlapSql
      const [lost] = yield* olap<{ order_id: string; day: string }>`
        DELETE FROM fact_sales WHERE id = (SELECT min(id) FROM fact_sales)
        RETURNING order_id::text, to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`
      yield* olap`UPDATE fact_payments SET payment_amount = payment_amount + 0.01 WHERE id = (SELECT min(id) FROM fact_payments)`
      const dirty = yield* reconcile()
      const failed = dirty.checks.filter((c) => !c.ok).map((c) => c.name)
      assert.include(failed, "live order items")
      assert.include(failed, `revenue on ${lost!.day}`)
      assert.isTrue(failed.some((name) => name.startsWith("payments by ")))
      const error = yield* Effect.flip(reconcileOrFail)
      assert.strictEqual(error._tag, "ReconcileMismatch")
      assert.strictEqual((error as ReconcileMismatch).differences, dirty.differences)
      assert.match(error.message, /live order items: OLTP \d+, warehouse \d+/)
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("brewlytics reconcile exits 0 when they agree and non-zero on any difference", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(30)
      yield* drain
      const ok = yield* cli
      assert.strictEqual(ok.code, 0, ok.output)
      assert.match(ok.output, /agree on all \d+ figures/)
      const olap = yield* OlapSql
      yield* olap`UPDATE fact_sales SET quantity = quantity + 1, total = total + price WHERE id = (SELECT min(id) FROM fact_sales)`
      const bad = yield* cli
      assert.notStrictEqual(bad.code, 0)
      assert.match(bad.output, /differ in \d+ figure/)
    }).pipe(Effect.provide(TestDatabases))
  )

  it.effect("a drift of money alone, one cent on one row, is reported and fails `brewlytics reconcile`", () =>
    Effect.gen(function* () {
      yield* seedShop
      yield* placeOrders(30)
      yield* drain
      assert.strictEqual((yield* reconcile()).differences, 0)
      const olap = yield* OlapSql
      const only = (name: RegExp) =>
        Effect.gen(function* () {
          const r = yield* reconcile()
          const failed = r.checks.filter((c) => !c.ok)
          assert.strictEqual(failed.length, 1, JSON.stringify(failed))
          assert.match(failed[0]!.name, name)
          const error = yield* Effect.flip(reconcileOrFail)
          assert.strictEqual(error._tag, "ReconcileMismatch")
          const run = yield* cli
          assert.notStrictEqual(run.code, 0, run.output)
          assert.match(run.output, /differ in 1 figure/)
          return failed[0]!
        })

      // A sale's total, not its quantity.
      const [sale] = yield* olap<{ id: string; day: string }>`
        UPDATE fact_sales SET total = total + 0.01 WHERE id = (SELECT min(id) FROM fact_sales)
        RETURNING id::text, to_char(order_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day`
      const revenue = yield* only(/^revenue on /)
      assert.strictEqual(revenue.name, `revenue on ${sale!.day}`)
      yield* olap`UPDATE fact_sales SET total = total - 0.01 WHERE id = ${sale!.id}::bigint`
      assert.strictEqual((yield* reconcile()).differences, 0)

      // A payment's amount, not its count, method or status.
      yield* olap`UPDATE fact_payments SET payment_amount = payment_amount - 0.01 WHERE id = (SELECT max(id) FROM fact_payments)`
      yield* only(/^payments by /)
    }).pipe(Effect.provide(TestDatabases))
  )
})
