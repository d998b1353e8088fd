import { Api } from "@brewlytics/domain/api/Api.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { respond } from "../Respond.ts"
import { Orders } from "./Repo.ts"

export const OrdersHttp = HttpApiBuilder.group(
  Api,
  "orders",
  Effect.fn(function* (handlers) {
    const orders = yield* Orders
    return handlers.handleAll({
      create: ({ payload, headers }) =>
        orders.create(payload, headers["idempotency-key"]).pipe(respond("Conflict", "Unprocessable")),
      list: ({ query }) => orders.list(query),
      get: ({ params }) => orders.get(params.id).pipe(respond("NotFound")),
      cancel: ({ params }) => orders.cancel(params.id).pipe(respond("NotFound", "Conflict")),
      changeItem: ({ params, payload }) =>
        orders.changeItem(params.id, params.item_id, payload.quantity).pipe(respond("NotFound", "Conflict")),
      removeItem: ({ params }) => orders.removeItem(params.id, params.item_id).pipe(respond("NotFound", "Conflict"))
    })
  })
).pipe(Layer.provide(Orders.layer))
