import { OltpSql } from "@brewlytics/db/Databases.ts"
import type { NewProduct, ProductPatch } from "@brewlytics/domain/api/Products.ts"
import { Product } from "@brewlytics/domain/Catalog.ts"
import type { ProductId } from "@brewlytics/domain/Ids.ts"
import { formatDecimal } from "@brewlytics/domain/Money.ts"
import { Context, Effect, Layer } from "effect"
import { orNull, pageSize, toPage } from "../Paging.ts"
import { decodeRow, notFound, orDieSql, type ShopError } from "../Problems.ts"

export interface ProductFilter {
  readonly after?: number | undefined
  readonly limit?: number | undefined
  readonly category?: string | undefined
  readonly active?: boolean | undefined
}

export class Products extends Context.Service<
  Products,
  {
    readonly create: (input: NewProduct) => Effect.Effect<Product>
    readonly get: (id: ProductId) => Effect.Effect<Product, ShopError>
    readonly list: (
      filter: ProductFilter
    ) => Effect.Effect<{ items: ReadonlyArray<Product>; next_after: number | null }>
    readonly update: (id: ProductId, patch: ProductPatch) => Effect.Effect<Product, ShopError>
  }
>()("@brewlytics/api/Products") {
  static readonly layer = Layer.effect(
    Products,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const json = sql`json_build_object('id', id, 'name', name, 'category', category, 'size', size, 'price', price, 'active', active)`
      const decode = decodeRow(Product)

      const create = Effect.fn("Products.create")(function* (input: NewProduct) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          INSERT INTO products (name, category, size, price)
          VALUES (${input.name}, ${input.category ?? "other"}, ${input.size ?? "regular"}, ${formatDecimal(input.price)}::numeric)
          RETURNING ${json} AS j`)
        return yield* decode(rows[0]!.j)
      })

      const get = Effect.fn("Products.get")(function* (id: ProductId) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`SELECT ${json} AS j FROM products WHERE id = ${id}`)
        if (rows.length === 0) return yield* notFound("product", id)
        return yield* decode(rows[0]!.j)
      })

      const list = Effect.fn("Products.list")(function* (filter: ProductFilter) {
        const limit = pageSize(filter.limit)
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          SELECT ${json} AS j FROM products
          WHERE id > ${filter.after ?? 0}
            AND (${orNull(filter.category)}::text IS NULL OR category = ${orNull(filter.category)}::text)
            AND (${orNull(filter.active)}::boolean IS NULL OR active = ${orNull(filter.active)}::boolean)
          ORDER BY id LIMIT ${limit}`)
        return toPage(yield* Effect.forEach(rows, (r) => decode(r.j)), limit)
      })

      const update = Effect.fn("Products.update")(function* (id: ProductId, patch: ProductPatch) {
        if (patch.name === undefined && patch.price === undefined && patch.active === undefined) return yield* get(id)
        const price = patch.price === undefined ? null : formatDecimal(patch.price)
        const rows = yield* sql<{ j: unknown }>`
          UPDATE products
          SET name = COALESCE(${orNull(patch.name)}::text, name),
              price = COALESCE(${price}::numeric, price),
              active = COALESCE(${orNull(patch.active)}::boolean, active),
              updated_at = now()
          WHERE id = ${id}
          RETURNING ${json} AS j`.pipe(orDieSql)
        if (rows.length === 0) return yield* notFound("product", id)
        return yield* decode(rows[0]!.j)
      })

      return Products.of({ create, get, list, update })
    })
  )
}
