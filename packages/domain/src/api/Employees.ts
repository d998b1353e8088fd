import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { EmployeeId } from "../Ids.ts"
import { Employee, Role } from "../People.ts"
import { Name } from "../Text.ts"
import { WriteAuth } from "./Auth.ts"
import { AnyRouteErrors, BodyRouteErrors, NotFound } from "./Errors.ts"
import { Page, PageLimit } from "./Pages.ts"
import { FromDecimal } from "./Parameters.ts"

/** What `GET /employees/active` has always answered: id and name only. */
export const ActiveEmployee = Schema.Struct({ id: EmployeeId, name: Name })

export const NewEmployee = Schema.Struct({ name: Name, role: Role, active: Schema.optional(Schema.Boolean) })
export type NewEmployee = typeof NewEmployee.Type

export const EmployeePatch = Schema.Struct({
  name: Schema.optional(Name),
  role: Schema.optional(Role),
  active: Schema.optional(Schema.Boolean)
})
export type EmployeePatch = typeof EmployeePatch.Type

export const EmployeeQuery = {
  after: Schema.optional(FromDecimal(EmployeeId)),
  limit: Schema.optional(FromDecimal(PageLimit)),
  active: Schema.optional(Schema.Boolean),
  role: Schema.optional(Role)
}

export const EmployeePage = Page(Employee)

const employee = { id: FromDecimal(EmployeeId) }

export class EmployeesApi extends HttpApiGroup.make("employees")
  .add(
    HttpApiEndpoint.get("active", "/active", {
      success: Schema.Array(ActiveEmployee),
      error: AnyRouteErrors
    }).annotateMerge(OpenApi.annotations({ description: "Seed route: the employees who can take an order, by id." })),
    HttpApiEndpoint.get("list", "/", { query: EmployeeQuery, success: EmployeePage, error: AnyRouteErrors }),
    HttpApiEndpoint.get("get", "/:id", { params: employee, success: Employee, error: [...AnyRouteErrors, NotFound] }),
    HttpApiEndpoint.post("create", "/", { payload: NewEmployee, success: Employee, error: BodyRouteErrors }).middleware(
      WriteAuth
    ),
    HttpApiEndpoint.patch("update", "/:id", {
      params: employee,
      payload: EmployeePatch,
      success: Employee,
      error: [...BodyRouteErrors, NotFound]
    }).middleware(WriteAuth)
  )
  .prefix("/employees")
  .annotateMerge(OpenApi.annotations({ title: "Employees" })) {}
