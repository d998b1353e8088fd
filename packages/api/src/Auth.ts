import { createHash, timingSafeEqual } from "node:crypto"
import { WriteAuth } from "@brewlytics/domain/api/Auth.ts"
import { Unauthorized } from "@brewlytics/domain/api/Errors.ts"
import { Effect, Layer, Option, Redacted } from "effect"
import { ApiSettings } from "./Settings.ts"

// Comparing digests keeps the comparison constant-time whatever the lengths.
const digest = (text: string) => createHash("sha256").update(text).digest()

export const WriteAuthLive = Layer.effect(
  WriteAuth,
  Effect.gen(function* () {
    const { token } = yield* ApiSettings
    if (Option.isNone(token)) {
      yield* Effect.logWarning("API_TOKEN is not set: the write routes are open to anyone who can reach the API.")
      return WriteAuth.of({ bearer: (effect) => effect })
    }
    yield* Effect.logInfo("API_TOKEN is set: write routes need Authorization: Bearer <token>.")
    const expected = digest(Redacted.value(token.value))
    return WriteAuth.of({
      bearer: (effect, { credential }) =>
        timingSafeEqual(digest(Redacted.value(credential)), expected)
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
