import { Api } from "@brewlytics/domain/api/Api.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { respond } from "../Respond.ts"
import { Customers } from "./Repo.ts"

export const CustomersHttp = HttpApiBuilder.group(
  Api,
  "customers",
  Effect.fn(function* (handlers) {
    const customers = yield* Customers
    return handlers.handleAll({
      create: ({ payload }) => customers.create(payload),
      list: ({ query }) => customers.list(query),
      get: ({ params }) => customers.get(params.id).pipe(respond("NotFound")),
      update: ({ params, payload }) => customers.update(params.id, payload).pipe(respond("NotFound", "Conflict"))
    })
  })
).pipe(Layer.provide(Customers.layer))
