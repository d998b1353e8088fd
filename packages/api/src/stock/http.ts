import { Api } from "@brewlytics/domain/api/Api.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { respond } from "../Respond.ts"
import { Stock } from "./Repo.ts"

export const StockHttp = HttpApiBuilder.group(
  Api,
  "stock",
  Effect.fn(function* (handlers) {
    const stock = yield* Stock
    return handlers.handleAll({
      level: ({ params }) => stock.level(params.id).pipe(respond("NotFound")),
      received: ({ params, payload }) =>
        stock.record(params.id, "received", payload.quantity).pipe(respond("NotFound")),
      wasted: ({ params, payload }) => stock.record(params.id, "wasted", payload.quantity).pipe(respond("NotFound"))
    })
  })
).pipe(Layer.provide(Stock.layer))
