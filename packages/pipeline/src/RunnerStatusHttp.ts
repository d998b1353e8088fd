import { createServer } from "node:http"
import { requireToken } from "@brewlytics/db/AccessToken.ts"
import { cannotListen } from "@brewlytics/db/Listen.ts"
import { NodeHttpServer } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { Runner } from "./Runner.ts"
import { RunnerError, RunnerFailed } from "./runner/Errors.ts"
import { RunnerSettings } from "./runner/Settings.ts"

/** `GET /status`: the runner's pipelines, their lag and the recent runs, as JSON; with `API_TOKEN` set it needs the token. */
export const RunnerStatusApp = Layer.unwrap(
  Effect.map(RunnerSettings, ({ token }) =>
    HttpRouter.serve(
      HttpRouter.add(
        "GET",
        "/status",
        requireToken(
          token,
          "/status"
        )(
          Effect.gen(function* () {
            const runner = yield* Runner
            const status = yield* runner.status()
            return HttpServerResponse.jsonUnsafe(status)
          }).pipe(
            Effect.catch((e) =>
              Effect.succeed(
                HttpServerResponse.jsonUnsafe(
                  { error: `Could not read the run history: ${e.message}` },
                  { status: 503 }
                )
              )
            )
          )
        )
      ),
      { disableLogger: true, disableListenLog: true }
    )
  )
)

/** Once listening: where the status endpoint answers, in words (the router's own line said only "Listening on"). */
const announce = Layer.effectDiscard(
  Effect.gen(function* () {
    const { address } = yield* HttpServer.HttpServer
    yield* Effect.logInfo(
      `The pipeline runner's status endpoint answers on ${HttpServer.formatAddress(address)}/status`
    )
  })
)

/**
 * The status endpoint on `RUNNER_HOST`:`RUNNER_PORT`; its `HttpServer` says
 * where it listens. A port it cannot have is a `RunnerError` naming the setting.
 */
export const RunnerStatusHttp = Layer.unwrap(
  Effect.map(RunnerSettings, (settings) =>
    Layer.mergeAll(RunnerStatusApp, announce).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: settings.port, host: settings.host })),
      Layer.catchTag("ServeError", (e) =>
        Layer.effect(
          HttpServer.HttpServer,
          Effect.fail(
            new RunnerError({
              reason: new RunnerFailed({
                message: cannotListen({
                  server: "The pipeline runner's status endpoint",
                  host: settings.host,
                  port: settings.port,
                  portSetting: "RUNNER_PORT",
                  hostSetting: "RUNNER_HOST",
                  cause: e.cause
                })
              })
            })
          )
        )
      )
    )
  )
)
