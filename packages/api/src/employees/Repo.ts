import { OltpSql } from "@brewlytics/db/Databases.ts"
import { ActiveEmployee, type EmployeePatch, type NewEmployee } from "@brewlytics/domain/api/Employees.ts"
import type { EmployeeId } from "@brewlytics/domain/Ids.ts"
import { Employee } from "@brewlytics/domain/People.ts"
import { Context, Effect, Layer } from "effect"
import { orNull, pageSize, toPage } from "../Paging.ts"
import { decodeRow, notFound, orDieSql, type ShopError } from "../Problems.ts"

export interface EmployeeFilter {
  readonly after?: number | undefined
  readonly limit?: number | undefined
  readonly active?: boolean | undefined
  readonly role?: string | undefined
}

export class Employees extends Context.Service<
  Employees,
  {
    readonly active: () => Effect.Effect<ReadonlyArray<typeof ActiveEmployee.Type>>
    readonly create: (input: NewEmployee) => Effect.Effect<Employee>
    readonly get: (id: EmployeeId) => Effect.Effect<Employee, ShopError>
    readonly list: (
      filter: EmployeeFilter
    ) => Effect.Effect<{ items: ReadonlyArray<Employee>; next_after: number | null }>
    readonly update: (id: EmployeeId, patch: EmployeePatch) => Effect.Effect<Employee, ShopError>
  }
>()("@brewlytics/api/Employees") {
  static readonly layer = Layer.effect(
    Employees,
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const json = sql`json_build_object('id', id, 'name', name, 'role', role, 'active', active)`
      const decode = decodeRow(Employee)
      const decodeActive = decodeRow(ActiveEmployee)

      const active = Effect.fn("Employees.active")(function* () {
        const rows = yield* orDieSql(
          sql<{
            j: unknown
          }>`SELECT json_build_object('id', id, 'name', name) AS j FROM employees WHERE active ORDER BY id`
        )
        return yield* Effect.forEach(rows, (r) => decodeActive(r.j))
      })

      const create = Effect.fn("Employees.create")(function* (input: NewEmployee) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          INSERT INTO employees (name, role, active) VALUES (${input.name}, ${input.role}, ${input.active ?? true})
          RETURNING ${json} AS j`)
        return yield* decode(rows[0]!.j)
      })

      const get = Effect.fn("Employees.get")(function* (id: EmployeeId) {
        const rows = yield* orDieSql(sql<{ j: unknown }>`SELECT ${json} AS j FROM employees WHERE id = ${id}`)
        if (rows.length === 0) return yield* notFound("employee", id)
        return yield* decode(rows[0]!.j)
      })

      const list = Effect.fn("Employees.list")(function* (filter: EmployeeFilter) {
        const limit = pageSize(filter.limit)
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          SELECT ${json} AS j FROM employees
          WHERE id > ${filter.after ?? 0}
            AND (${orNull(filter.active)}::boolean IS NULL OR active = ${orNull(filter.active)}::boolean)
            AND (${orNull(filter.role)}::text IS NULL OR role = ${orNull(filter.role)}::text)
          ORDER BY id LIMIT ${limit}`)
        return toPage(yield* Effect.forEach(rows, (r) => decode(r.j)), limit)
      })

      const update = Effect.fn("Employees.update")(function* (id: EmployeeId, patch: EmployeePatch) {
        if (patch.name === undefined && patch.role === undefined && patch.active === undefined) return yield* get(id)
        const rows = yield* orDieSql(sql<{ j: unknown }>`
          UPDATE employees
          SET name = COALESCE(${orNull(patch.name)}::text, name),
              role = COALESCE(${orNull(patch.role)}::text, role),
              active = COALESCE(${orNull(patch.active)}::boolean, active),
              updated_at = now()
          WHERE id = ${id}
          RETURNING ${json} AS j`)
        if (rows.length === 0) return yield* notFound("employee", id)
        return yield* decode(rows[0]!.j)
      })

      return Employees.of({ active, create, get, list, update })
    })
  )
}
