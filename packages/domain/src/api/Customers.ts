import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { CustomerId } from "../Ids.ts"
import { Customer } from "../People.ts"
import { Email, Name } from "../Text.ts"
import { WriteAuth } from "./Auth.ts"
import { AnyRouteErrors, BodyRouteErrors, Conflict, NotFound } from "./Errors.ts"
import { Page, PageLimit } from "./Pages.ts"
import { FromDecimal } from "./Parameters.ts"

export const NewCustomer = Schema.Struct({ name: Name, email: Email })
export type NewCustomer = typeof NewCustomer.Type

export const CustomerPatch = Schema.Struct({ name: Schema.optional(Name), email: Schema.optional(Email) })
export type CustomerPatch = typeof CustomerPatch.Type

export const CustomerQuery = {
  after: Schema.optional(FromDecimal(CustomerId)),
  limit: Schema.optional(FromDecimal(PageLimit)),
  /** Exact email (case-insensitive). */
  email: Schema.optional(Email),
  /** Names starting with this text (case-insensitive). */
  name: Schema.optional(Name)
}

export const CustomerPage = Page(Customer)

const customer = { id: FromDecimal(CustomerId) }

export class CustomersApi extends HttpApiGroup.make("customers")
  .add(
    HttpApiEndpoint.post("create", "/new", {
      payload: NewCustomer,
      success: Customer,
      error: BodyRouteErrors
    })
      .middleware(WriteAuth)
      .annotateMerge(
        OpenApi.annotations({
          description:
            "Seed route, get-or-create: emails are unique, case-insensitively. An email already registered answers 200 with that customer as stored and writes nothing, so a retried sign-up is harmless."
        })
      ),
    HttpApiEndpoint.get("list", "/", { query: CustomerQuery, success: CustomerPage, error: AnyRouteErrors }),
    HttpApiEndpoint.get("get", "/:id", { params: customer, success: Customer, error: [...AnyRouteErrors, NotFound] }),
    HttpApiEndpoint.patch("update", "/:id", {
      params: customer,
      payload: CustomerPatch,
      success: Customer,
      error: [...BodyRouteErrors, NotFound, Conflict]
    }).middleware(WriteAuth)
  )
  .prefix("/customers")
  .annotateMerge(OpenApi.annotations({ title: "Customers" })) {}
