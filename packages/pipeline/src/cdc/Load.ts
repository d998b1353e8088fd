import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Effect } from "effect"
import { CommitFence } from "./CommitFence.ts"
import { recordDeadLetters } from "./load/DeadLetters.ts"
import { loadPeople, loadProducts } from "./load/Dimensions.ts"
import { rebuildFacts } from "./load/Facts.ts"
import { applyInventory } from "./load/Inventory.ts"
import { copyOrderRows, copyStockMovements } from "./load/RawCopies.ts"
import { CdcError, type LoadPlan, type LoadResult, WatermarkMoved } from "./Types.ts"

/** Rows applied: upserts and deletes after folding each row's changes into its latest state. */
const rowsOf = (plan: LoadPlan) =>
  [
    plan.customers,
    plan.employees,
    plan.products,
    plan.orders,
    plan.order_items,
    plan.payments,
    plan.stock_movements
  ].reduce((n, t) => n + t.upserts.length + t.deletes.length, 0)

/**
 * Moves the watermark from the batch's `from` to its `to`, or fails with
 * `WatermarkMoved` when it is no longer at `from`. It also serialises
 * concurrent runners: the second waits on the row, then finds it moved.
 */
const moveWatermark = Effect.fn("cdc.load.watermark")(function* (plan: LoadPlan) {
  const sql = yield* OlapSql
  const pipeline = plan.from.pipeline
  const moved = yield* sql`
      UPDATE pipeline_watermark
      SET snapshot = ${plan.to.snapshot}, batches = batches + 1, events = events + ${plan.events}, updated_at = now()
      WHERE pipeline = ${pipeline} AND snapshot = ${plan.from.snapshot}
      RETURNING pipeline`
  if (moved.length === 0) {
    return yield* new CdcError({ reason: new WatermarkMoved({ pipeline, expected: plan.from.snapshot }) })
  }
})

/**
 * Applies one batch to the warehouse in ONE OLAP transaction: the watermark
 * compare-and-set first, then dead letters, dimensions, source rows, facts and
 * inventory. Either all of it commits with the new watermark, or none of it
 * does; the second of two concurrent runners rolls back. In cluster mode the
 * `CommitFence` first checks, in the same transaction, that this runner still
 * holds the pipeline's lease.
 */
export const loadBatch = Effect.fn("cdc.loadBatch")(function* (plan: LoadPlan) {
  const sql = yield* OlapSql
  const result: LoadResult = {
    events: plan.events,
    rows: rowsOf(plan),
    deadLetters: plan.deadLetters.length,
    orders: 0
  }
  if (plan.from.snapshot === plan.to.snapshot) return result
  const fence = yield* CommitFence
  const body = Effect.gen(function* () {
    yield* fence.check(plan.from.pipeline)
    yield* moveWatermark(plan)
    if (plan.events === 0) return result
    yield* recordDeadLetters(plan.from.pipeline, plan.deadLetters)
    yield* loadPeople(plan)
    yield* loadProducts(plan)
    const orders = yield* copyOrderRows(plan)
    const moved = yield* copyStockMovements(plan)
    const sold = yield* rebuildFacts(orders)
    yield* applyInventory([...moved, ...sold])
    return { ...result, orders: orders.length }
  })
  return yield* sql.withTransaction(body)
})
