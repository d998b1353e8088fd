import { OltpSql } from "@brewlytics/db/Databases.ts"
import type { CustomerPatch, NewCustomer } from "@brewlytics/domain/api/Customers.ts"
import type { CustomerId } from "@brewlytics/domain/Ids.ts"
import { Customer } from "@brewlytics/domain/People.ts"
import { Context, Effect, Layer } from "effect"
import { likePrefix, orNull, pageSize, toPage } from "../Paging.ts"
import { decodeRow, isUniqueViolation, notFound, orDieSql, ShopDuplicate, type ShopError } from "../Problems.ts"

export interface CustomerFilter {
  readonly after?: number | undefined
  readonly limit?: number | undefined
  readonly email?: string | undefined
  readonly name?: string | undefined
}

const emailTaken = (email: string) =>
  new ShopDuplicate({
    code: "customer_email_taken",
    message: `A customer with email ${email} already exists: look it up with GET /customers?email=${encodeURIComponent(email)}.`
  })

export class Customers extends Context.Service<
  Customers,
  {
    /** Get-or-create by email: an email already registered returns that customer as stored, unchanged. */
    readonly create: (input: NewCustomer) => Effect.Effect<Customer>
    readonly get: (id: CustomerId) => Effect.Effect<Customer, ShopError>
    readonly list: (
      filter: CustomerFilter
    ) => Effect.Effect<{ items: ReadonlyArray<Customer>; next_after: number | null }>
    readonly update: (id: CustomerId, patch: CustomerPatch) => Effect.Effect<Customer, ShopError>
  }
>()("@brewlytics/api/Customers") {
  static readonly layer = Layer.effect(
    Customers,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const json = sql`json_build_object('id', id, 'name', name, 'email', email)`
      const decode = decodeRow(Customer)

      const create = Effect.fn("Customers.create")(function* (input: NewCustomer) {
        const email = input.email.toLowerCase()
        const inserted = yield* orDieSql(sql<{ j: unknown }>`
          INSERT INTO customers (name, email) VALUES (${input.name}, ${email})
          ON CONFLICT (email) DO NOTHING
          RETURNING ${json} AS j`)
        // A second statement, so its snapshot sees a row a concurrent sign-up committed while this one waited on it.
        const rows =
          inserted.length > 0
            ? inserted
            : yield* orDieSql(sql<{ j: unknown }>`SELECT ${json} AS j FROM customers WHERE email = ${email}`)
        return yield* decode(rows[0]!.j)
      })

      const get = Effect.fn("Customers.get")(function* (id: CustomerId) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`SELECT ${json} AS j FROM customers WHERE id = ${id}`)
        if (rows.length === 0) return yield* notFound("customer", id)
        return yield* decode(rows[0]!.j)
      })

      const list = Effect.fn("Customers.list")(function* (filter: CustomerFilter) {
        const limit = pageSize(filter.limit)
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          SELECT ${json} AS j FROM customers
          WHERE id > ${filter.after ?? 0}
            AND (${orNull(filter.email?.toLowerCase())}::text IS NULL OR email = ${orNull(filter.email?.toLowerCase())}::text)
            AND (${orNull(filter.name)}::text IS NULL OR lower(name) LIKE ${filter.name === undefined ? null : likePrefix(filter.name)}::text)
          ORDER BY id LIMIT ${limit}`)
        return toPage(yield* Effect.forEach(rows, (r) => decode(r.j)), limit)
      })

      const update = Effect.fn("Customers.update")(function* (id: CustomerId, patch: CustomerPatch) {
        if (patch.name === undefined && patch.email === undefined) return yield* get(id)
        const email = orNull(patch.email?.toLowerCase())
        const rows = yield* sql<{ j: unknown }>`
          UPDATE customers
          SET name = COALESCE(${orNull(patch.name)}::text, name),
              email = COALESCE(${email}::text, email),
              updated_at = now()
          WHERE id = ${id}
          RETURNING ${json} AS j`.pipe(
          Effect.catchIf(isUniqueViolation, () => Effect.fail(emailTaken(email ?? ""))),
          orDieSql
        )
        if (rows.length === 0) return yield* notFound("customer", id)
        return yield* decode(rows[0]!.j)
      })

      return Customers.of({ create, get, list, update })
    })
  )
}
