import { tokenMatcher } from "@brewlytics/db/AccessToken.ts"
import { WriteAuth } from "@brewlytics/domain/api/Auth.ts"
import { Unauthorized } from "@brewlytics/domain/api/Errors.ts"
import { Effect, Layer, Option } from "effect"
import { ApiSettings } from "./Settings.ts"

export const WriteAuthLive = Layer.effect(
  WriteAuth,
  Effect.gen(function* () {
    const { token } = yield* ApiSettings
    if (Option.isNone(token)) {
      yield* Effect.logWarning(
        "API_TOKEN is not set: the write routes and /metrics are open to anyone who can reach the API."
      )
      return WriteAuth.of({ bearer: (effect) => effect })
    }
    yield* Effect.logInfo("API_TOKEN is set: write routes and /metrics need Authorization: Bearer <token>.")
    const matches = tokenMatcher(token.value)
    return WriteAuth.of({
      bearer: (effect, { credential }) =>
        matches(credential)
          ? effect
          : Effect.fail(
              new Unauthorized({
                code: "unauthorized",
                message: "This route writes data: send Authorization: Bearer <API_TOKEN>."
              })
            )
    })
  })
)
