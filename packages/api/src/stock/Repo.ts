import { OltpSql } from "@brewlytics/db/Databases.ts"
import { StockLevel } from "@brewlytics/domain/api/Stock.ts"
import type { ProductId } from "@brewlytics/domain/Ids.ts"
import { StockMovement } from "@brewlytics/domain/Stock.ts"
import { Context, Effect, Layer } from "effect"
import { decodeRow, notFound, orDieSql, type ShopError } from "../Problems.ts"

export class Stock extends Context.Service<
  Stock,
  {
    readonly level: (id: ProductId) => Effect.Effect<StockLevel, ShopError>
    readonly record: (
      id: ProductId,
      kind: "received" | "wasted",
      quantity: number
    ) => Effect.Effect<StockMovement, ShopError>
  }
>()("@brewlytics/api/Stock") {
  static readonly layer = Layer.effect(
    Stock,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const decodeLevel = decodeRow(StockLevel)
      const decodeMovement = decodeRow(StockMovement)

      const level = Effect.fn("Stock.level")(function* (id: ProductId) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          SELECT json_build_object(
            'product_id', p.id, 'received', t.received, 'sold', t.sold, 'wasted', t.wasted,
            'on_hand', t.received - t.sold - t.wasted) AS j
          FROM products p
          CROSS JOIN LATERAL (
            SELECT COALESCE(sum(quantity) FILTER (WHERE kind = 'received'), 0) AS received,
                   COALESCE(sum(quantity) FILTER (WHERE kind = 'sold'), 0) AS sold,
                   COALESCE(sum(quantity) FILTER (WHERE kind = 'wasted'), 0) AS wasted
            FROM stock_movements m WHERE m.product_id = p.id) t
          WHERE p.id = ${id}`)
        if (rows.length === 0) return yield* notFound("product", id)
        return yield* decodeLevel(rows[0]!.j)
      })

      const record = Effect.fn("Stock.record")(function* (
        id: ProductId,
        kind: "received" | "wasted",
        quantity: number
      ) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          INSERT INTO stock_movements (product_id, kind, quantity)
          SELECT id, ${kind}, ${quantity} FROM products WHERE id = ${id}
          RETURNING json_build_object('id', id, 'product_id', product_id, 'kind', kind, 'quantity', quantity, 'moved_at', moved_at) AS j`)
        if (rows.length === 0) return yield* notFound("product", id)
        return yield* decodeMovement(rows[0]!.j)
      })

      return Stock.of({ level, record })
    })
  )
}
