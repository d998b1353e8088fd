import { Api } from "@brewlytics/domain/api/Api.ts"
import { Effect, Layer } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { respond } from "../Respond.ts"
import { Employees } from "./Repo.ts"

export const EmployeesHttp = HttpApiBuilder.group(
  Api,
  "employees",
  Effect.fn(function* (handlers) {
    const employees = yield* Employees
    return handlers.handleAll({
      active: () => employees.active(),
      list: ({ query }) => employees.list(query),
      get: ({ params }) => employees.get(params.id).pipe(respond("NotFound")),
      create: ({ payload }) => employees.create(payload),
      update: ({ params, payload }) => employees.update(params.id, payload).pipe(respond("NotFound"))
    })
  })
).pipe(Layer.provide(Employees.layer))
