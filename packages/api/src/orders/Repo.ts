import { OltpSql } from "@brewlytics/db/Databases.ts"
import { type NewOrder, OrderDetail, OrderSummary } from "@brewlytics/domain/api/Orders.ts"
import type { OrderId, OrderItemId } from "@brewlytics/domain/Ids.ts"
import type { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"
import { orNull, pageSize } from "../Paging.ts"
import { decodeRow, notFound, orDieSql, type ShopError } from "../Problems.ts"
import { conflict, orderChanges } from "./Changes.ts"
import { detailJson, itemJson, paymentJson, summaryJson } from "./Json.ts"
import { orderStatement, rejection, requestHash } from "./Statement.ts"

export interface OrderFilter {
  readonly after?: number | undefined
  readonly limit?: number | undefined
  readonly customer_id?: number | undefined
  readonly employee_id?: number | undefined
  readonly status?: string | undefined
}

/** Reading orders back: one with its lines and payment, or a page of summaries. */
const orderReads = (sql: PgClient.PgClient) => {
  const decodeDetail = decodeRow(OrderDetail)
  const decodeSummary = decodeRow(OrderSummary)
  const total = sql`COALESCE((SELECT sum(i.quantity * i.unit_price) FROM order_items i WHERE i.order_id = o.id), 0)`
  const detail = detailJson(sql, {
    total,
    items: sql`COALESCE((SELECT json_agg(${itemJson(sql)} ORDER BY i.id)
                FROM order_items i WHERE i.order_id = o.id), '[]'::json)`,
    payment: sql`(SELECT ${paymentJson(sql)} FROM payments p WHERE p.order_id = o.id ORDER BY p.id LIMIT 1)`
  })

  const get = Effect.fn("Orders.get")(function* (id: OrderId) {
    const rows = yield* orDieSql(sql<{ j: unknown }>`SELECT ${detail} AS j FROM orders o WHERE o.id = ${id}`)
    if (rows.length === 0) return yield* notFound("order", id)
    return yield* decodeDetail(rows[0]!.j)
  })

  const list = Effect.fn("Orders.list")(function* (filter: OrderFilter) {
    const limit = pageSize(filter.limit)
    const rows = yield* orDieSql(sql<{ j: unknown }>`
      SELECT ${summaryJson(sql, total)} AS j
      FROM orders o
      WHERE o.id > ${filter.after ?? 0}
        AND (${orNull(filter.customer_id)}::bigint IS NULL OR o.customer_id = ${orNull(filter.customer_id)}::bigint)
        AND (${orNull(filter.employee_id)}::bigint IS NULL OR o.employee_id = ${orNull(filter.employee_id)}::bigint)
        AND (${orNull(filter.status)}::text IS NULL OR o.status = ${orNull(filter.status)}::text)
      ORDER BY o.id LIMIT ${limit}`)
    const items = yield* Effect.forEach(rows, (r) => decodeSummary(r.j))
    return { items, next_after: items.length === limit ? items[items.length - 1]!.order_id : null }
  })

  return { get, list }
}

/** Taking an order, once per Idempotency-Key when it has one; `get` reads back the order a key already made. */
const orderCreation = (sql: PgClient.PgClient, get: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>) => {
  const decodeDetail = decodeRow(OrderDetail)

  const createOnce = Effect.fn("Orders.createOnce")(function* (input: NewOrder) {
    const [verdict] = yield* orDieSql(orderStatement(sql, input))
    if (verdict === undefined || verdict.created === null) return yield* rejection(input, verdict!)
    return yield* decodeDetail(verdict.created)
  })

  /**
   * With a key: the key row is inserted first, in the order's transaction.
   * A concurrent retry blocks on it until the first commits (then finds
   * it) or rolls back (then proceeds itself): never two orders per key.
   */
  const createIdempotent = Effect.fn("Orders.createIdempotent")(function* (input: NewOrder, key: string) {
    const hash = requestHash(input)
    return yield* sql
      .withTransaction(
        Effect.gen(function* () {
          const claimed = yield* orDieSql(sql`
            INSERT INTO idempotency_keys (key, request_hash) VALUES (${key}, ${hash})
            ON CONFLICT (key) DO NOTHING RETURNING key`)
          if (claimed.length === 0) {
            const [seen] = yield* orDieSql(
              sql<{ request_hash: string; order_id: bigint | null }>`
                SELECT request_hash, order_id FROM idempotency_keys WHERE key = ${key}`
            )
            if (seen === undefined || seen.order_id === null || seen.request_hash !== hash) {
              return yield* conflict(
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different order request: use a new key for a new order."
              )
            }
            return yield* get(Number(seen.order_id) as OrderId)
          }
          const created = yield* createOnce(input)
          yield* orDieSql(sql`UPDATE idempotency_keys SET order_id = ${created.order_id} WHERE key = ${key}`)
          return created
        })
      )
      .pipe(orDieSql)
  })

  const create = (input: NewOrder, idempotencyKey?: string) =>
    idempotencyKey === undefined ? createOnce(input) : createIdempotent(input, idempotencyKey)

  return { create }
}

export class Orders extends Context.Service<
  Orders,
  {
    readonly create: (input: NewOrder, idempotencyKey?: string) => Effect.Effect<OrderDetail, ShopError>
    readonly get: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>
    readonly list: (
      filter: OrderFilter
    ) => Effect.Effect<{ items: ReadonlyArray<typeof OrderSummary.Type>; next_after: number | null }>
    readonly cancel: (id: OrderId) => Effect.Effect<OrderDetail, ShopError>
    readonly changeItem: (id: OrderId, item: OrderItemId, quantity: number) => Effect.Effect<OrderDetail, ShopError>
    readonly removeItem: (id: OrderId, item: OrderItemId) => Effect.Effect<OrderDetail, ShopError>
  }
>()("@brewlytics/api/Orders") {
  static readonly layer = Layer.effect(
    Orders,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const { get, list } = orderReads(sql)
      return Orders.of({ get, list, ...orderCreation(sql, get), ...orderChanges(sql, get) })
    })
  )
}
