import type { OrderDetail } from "@brewlytics/domain/api/Orders.ts"
import type { OrderId, OrderItemId } from "@brewlytics/domain/Ids.ts"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { notFound, orDieSql, ShopConflict, type ShopError } from "../Problems.ts"

export const conflict = (code: string, message: string) => new ShopConflict({ code, message })

/** Changes to an order once taken, each in a transaction that locks it first; `get` reads it back after. */
export const orderChanges = (sql: PgClient.PgClient, get: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>) => {
  /** Locks the order for a change; refuses a missing or cancelled one. */
  const lockOpen = Effect.fn("Orders.lockOpen")(function* (id: OrderId) {
    const [order] = yield* orDieSql(sql<{ status: string }>`SELECT status FROM orders WHERE id = ${id} FOR UPDATE`)
    if (order === undefined) return yield* notFound("order", id)
    if (order.status === "cancelled") {
      return yield* conflict("order_cancelled", `Order ${id} is cancelled and can no longer be changed.`)
    }
  })

  /** Keeps the payment equal to the order's total after its lines change. */
  const repay = (id: OrderId) =>
    orDieSql(sql`
      UPDATE payments SET amount = (SELECT COALESCE(sum(quantity * unit_price), 0) FROM order_items WHERE order_id = ${id})
      WHERE order_id = ${id}`)

  /** `change` on the locked open order, then the order as it now is, all in one transaction. */
  const onOpenOrder = <E>(id: OrderId, change: Effect.Effect<void, E | ShopError>) =>
    sql.withTransaction(lockOpen(id).pipe(Effect.andThen(change), Effect.andThen(get(id)))).pipe(orDieSql)

  const cancel = Effect.fn("Orders.cancel")(function* (id: OrderId) {
    return yield* onOpenOrder(
      id,
      Effect.all([
        orDieSql(sql`UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = ${id}`),
        orDieSql(sql`UPDATE payments SET status = 'refunded' WHERE order_id = ${id} AND status = 'paid'`)
      ])
    )
  })

  const changeItem = Effect.fn("Orders.changeItem")(function* (id: OrderId, item: OrderItemId, quantity: number) {
    return yield* onOpenOrder(
      id,
      Effect.gen(function* () {
        const changed = yield* orDieSql(sql`
          UPDATE order_items SET quantity = ${quantity} WHERE id = ${item} AND order_id = ${id} RETURNING id`)
        if (changed.length === 0) return yield* notFound("order item", item)
        yield* repay(id)
      })
    )
  })

  const removeItem = Effect.fn("Orders.removeItem")(function* (id: OrderId, item: OrderItemId) {
    return yield* onOpenOrder(
      id,
      Effect.gen(function* () {
        const [found] = yield* orDieSql(sql<{ lines: number; mine: boolean }>`
          SELECT count(*)::int AS lines, bool_or(id = ${item}) AS mine FROM order_items WHERE order_id = ${id}`)
        if (found === undefined || found.mine !== true) return yield* notFound("order item", item)
        if (found.lines <= 1) {
          return yield* conflict(
            "last_item",
            `Item ${item} is the last of order ${id}: cancel the order with POST /orders/${id}/cancel instead.`
          )
        }
        yield* orDieSql(sql`DELETE FROM order_items WHERE id = ${item} AND order_id = ${id}`)
        yield* repay(id)
      })
    )
  })

  return { cancel, changeItem, removeItem }
}
