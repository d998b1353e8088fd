import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { accepts, externalAddress, freePort } from "@brewlytics/db/testing/TestServer.ts"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger, Option } from "effect"
import { ApiServer } from "../src/Http.ts"

/** The API server as `brewlytics api` runs it, with these settings, for the length of `f`. */
const serving = <A>(env: Record<string, string>, f: Effect.Effect<A>) =>
  Effect.gen(function* () {
    yield* Layer.build(ApiServer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))))
    return yield* f
  }).pipe(Effect.scoped, Effect.provide(TestDatabases))

describe("where the API listens", () => {
  it.live("every interface by default; API_HOST=127.0.0.1 keeps it to this machine", () =>
    Effect.gen(function* () {
      const other = externalAddress()
      const port = yield* Effect.promise(freePort)
      yield* serving(
        { API_PORT: String(port) },
        Effect.gen(function* () {
          assert.isTrue(yield* Effect.promise(() => accepts("127.0.0.1", port)))
          if (Option.isSome(other)) assert.isTrue(yield* Effect.promise(() => accepts(other.value, port)))
        })
      )
      yield* serving(
        { API_PORT: String(port), API_HOST: "127.0.0.1" },
        Effect.gen(function* () {
          assert.isTrue(yield* Effect.promise(() => accepts("127.0.0.1", port)))
          if (Option.isSome(other)) assert.isFalse(yield* Effect.promise(() => accepts(other.value, port)))
        })
      )
    })
  )

  it.live("says once where it listens", () =>
    Effect.gen(function* () {
      const port = yield* Effect.promise(freePort)
      const lines: Array<string> = []
      const recording = Logger.make<unknown, void>(({ message }) => {
        lines.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
      })
      yield* serving({ API_PORT: String(port) }, Effect.void).pipe(Effect.provide(Logger.layer([recording])))
      assert.deepStrictEqual(
        lines.filter((line) => line.includes(String(port))),
        [
          `The API answers on http://localhost:${port} (docs: http://localhost:${port}/docs); the dashboards are at http://localhost:${port}/dashboard`
        ]
      )
    })
  )
})
