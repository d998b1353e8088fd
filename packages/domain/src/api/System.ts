import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { AnyRouteErrors } from "./Errors.ts"

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const Readiness = Schema.Struct({
  status: Schema.Literal("ready"),
  oltp_migration: Schema.Int,
  olap_migration: Schema.Int
})

export class SystemApi extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("health", "/health", { success: Health, error: AnyRouteErrors }).annotateMerge(
      OpenApi.annotations({ description: "The process is alive. Never touches the databases." })
    ),
    HttpApiEndpoint.get("ready", "/ready", { success: Readiness, error: AnyRouteErrors }).annotateMerge(
      OpenApi.annotations({
        description: "Both databases answer and have every migration this build ships applied; 503 otherwise."
      })
    )
  )
  .annotateMerge(OpenApi.annotations({ title: "System", description: "Liveness and readiness probes" })) {}
