import { Api } from "@brewlytics/domain/api/Api.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { respond } from "../Respond.ts"
import { Products } from "./Repo.ts"

export const ProductsHttp = HttpApiBuilder.group(
  Api,
  "products",
  Effect.fn(function* (handlers) {
    const products = yield* Products
    return handlers.handleAll({
      create: ({ payload }) => products.create(payload),
      list: ({ query }) => products.list(query),
      get: ({ params }) => products.get(params.id).pipe(respond("NotFound")),
      update: ({ params, payload }) => products.update(params.id, payload).pipe(respond("NotFound"))
    })
  })
).pipe(Layer.provide(Products.layer))
