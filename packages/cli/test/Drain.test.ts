import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Schedule } from "effect"
import {
  answered200,
  checkpoint,
  cli,
  keepAliveClient,
  keysWithOrders,
  makePlace,
  type Outcome,
  orderLoad,
  timeout,
  waitReady
} from "./System.ts"

describe("brewlytics start, stopped under traffic", () => {
  it.live(
    "Ctrl-C at ~100 orders/s over keep-alive connections: out within 3 s, every order answered 200 written, none written unanswered",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace()
        const system = yield* cli(place, ["start"])
        yield* waitReady(place, system)
        yield* checkpoint(place)

        // About 100 orders/s.
        const outcomes = new Map<string, Outcome | { readonly _tag: "Sent" }>()
        const load = yield* Effect.forkChild(orderLoad(place, outcomes, { prefix: "drain", every: "10 millis" }))
        yield* Effect.sync(() => answered200(outcomes).length).pipe(
          Effect.repeat({ until: (n) => n >= 200, schedule: Schedule.spaced("20 millis") }),
          timeout("60 seconds", "200 acknowledged orders")
        )

        system.child.kill("SIGINT")
        const stopped = yield* system.exited.pipe(timeout("3 seconds", "stopping under traffic"))
        assert.include([0, 130], stopped.code, `Ctrl-C stops it cleanly:\n${system.output()}`)
        // The requests still open when it exited fail on their own (reset, refused): let them, then stop sending.
        yield* Effect.sleep("500 millis")
        yield* Fiber.interrupt(load)

        const acknowledged = new Set(answered200(outcomes))
        const stored = new Set(yield* keysWithOrders(place, "drain"))
        assert.deepStrictEqual(
          [...acknowledged].filter((key) => !stored.has(key)),
          [],
          "every order answered 200 is in the database"
        )
        assert.deepStrictEqual(
          [...stored].filter((key) => !acknowledged.has(key)).map((key) => [key, outcomes.get(key)]),
          [],
          "every order in the database was answered 200"
        )
        assert.isAtLeast(acknowledged.size, 200, "the load was acknowledged before the stop")
      }).pipe(Effect.scoped, Effect.provide(keepAliveClient)),
    { timeout: 300_000 }
  )
})
