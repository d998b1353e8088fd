import { Api } from "@brewlytics/domain/api/Api.ts"
import { BadRequest, NotFound } from "@brewlytics/domain/api/Errors.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { DashboardData } from "./Repo.ts"

export const DashboardsHttp = HttpApiBuilder.group(
  Api,
  "dashboards",
  Effect.fn(function* (handlers) {
    const data = yield* DashboardData
    return handlers.handleAll({
      list: () => Effect.succeed(data.list),
      card: ({ params, query }) =>
        data.card(params.slug, params.card, query).pipe(
          Effect.mapError((e): BadRequest | NotFound => {
            const body = { code: e.code, message: e.message }
            return e._tag === "ShopNotFound" ? new NotFound(body) : new BadRequest(body)
          })
        )
    })
  })
).pipe(Layer.provide(DashboardData.layer))
