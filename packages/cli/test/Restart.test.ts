import * as Path from "node:path"
import { livePostmaster } from "@brewlytics/db/EmbeddedPostgres.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, Schedule } from "effect"
import { HttpClient } from "effect/http"
import {
  answered200,
  cli,
  keepAliveClient,
  keysWithOrders,
  makePlace,
  type Outcome,
  orderLoad,
  timeout,
  waitReady
} from "./System.ts"

/** Polls the runner's `/status` until `cdc_to_star` has no change left to load. */
const caughtUp = (runnerPort: number) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    yield* client.get(`http://127.0.0.1:${runnerPort}/status`).pipe(
      Effect.flatMap((r) => r.json),
      Effect.flatMap((body: any) =>
        body.pipelines?.find((p: any) => p.name === "cdc_to_star")?.lag?.events === 0
          ? Effect.void
          : Effect.fail("behind" as const)
      ),
      Effect.retry({ schedule: Schedule.spaced("250 millis") }),
      timeout("120 seconds", "the runner catching up")
    )
  })

describe("brewlytics start, again", () => {
  it.live(
    "after a start was killed -9 under load, the next one stops the server it left and comes up with every acknowledged order, reconciled",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace()
        const first = yield* cli(place, ["start"])
        yield* waitReady(place, first)

        const outcomes = new Map<string, Outcome | { readonly _tag: "Sent" }>()
        const load = yield* Effect.forkChild(orderLoad(place, outcomes, { prefix: "crash", every: "10 millis" }))
        yield* Effect.sync(() => answered200(outcomes).length).pipe(
          Effect.repeat({ until: (n) => n >= 150, schedule: Schedule.spaced("20 millis") }),
          timeout("60 seconds", "150 acknowledged orders")
        )
        first.child.kill("SIGKILL")
        yield* first.exited
        yield* Fiber.interrupt(load)
        const acknowledged = answered200(outcomes)
        assert.isTrue(
          Option.isSome(livePostmaster(Path.join(place.dataDir, "pg"))),
          "the killed start's PostgreSQL outlived it (the situation under test)"
        )

        const second = yield* cli(place, ["start"])
        yield* waitReady(place, second)
        assert.include(second.output(), "which is gone: stopping it")
        const stored = new Set(yield* keysWithOrders(place, "crash"))
        assert.deepStrictEqual(
          acknowledged.filter((key) => !stored.has(key)),
          [],
          "every order answered 200 before the kill is in the database"
        )

        yield* caughtUp(place.runnerPort)
        const reconcile = yield* cli(place, ["reconcile"])
        const reconciled = yield* reconcile.exited
        assert.strictEqual(reconciled.code, 0, reconcile.output())
        assert.include(reconcile.output(), "OLTP and the warehouse agree")

        second.child.kill("SIGINT")
        const stopped = yield* second.exited.pipe(timeout("60 seconds", "stopping the second start"))
        assert.include([0, 130], stopped.code, `Ctrl-C stops it cleanly:\n${second.output()}`)
        assert.isTrue(Option.isNone(livePostmaster(Path.join(place.dataDir, "pg"))), "its PostgreSQL stopped with it")
      }).pipe(Effect.scoped, Effect.provide(keepAliveClient)),
    { timeout: 300_000 }
  )

  it.live(
    "a second start while the first runs is refused, naming the running one, and leaves it serving",
    () =>
      Effect.gen(function* () {
        const place = yield* makePlace()
        const first = yield* cli(place, ["start"])
        yield* waitReady(place, first)

        const second = yield* cli(place, ["start"])
        const refused = yield* second.exited.pipe(timeout("60 seconds", "the second start"))
        assert.notStrictEqual(refused.code, 0)
        assert.include(second.output(), "Brewlytics is already running")
        assert.include(second.output(), `belongs to process ${first.child.pid}, which is still running`)

        const health = yield* (yield* HttpClient.HttpClient).get(`${place.apiUrl}/ready`)
        assert.strictEqual(health.status, 200, "the first start still serves")
        first.child.kill("SIGINT")
        const stopped = yield* first.exited.pipe(timeout("60 seconds", "stopping the first start"))
        assert.include([0, 130], stopped.code, `Ctrl-C stops it cleanly:\n${first.output()}`)
      }).pipe(Effect.scoped, Effect.provide(keepAliveClient)),
    { timeout: 300_000 }
  )
})
