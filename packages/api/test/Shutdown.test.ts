import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Schedule, Scope } from "effect"
import { holdOrdersLock, postJson, runningOrderStatements, TestApi } from "./TestApi.ts"

const order = { customer_id: 1, items: [{ product_id: 1, quantity: 1 }] }

it.live("graceful shutdown: stops accepting, finishes the request in flight, then closes", () =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const context = yield* Layer.buildWithScope(TestApi(), scope)
    const sql = Context.get(context, OltpSql)
    const within = <A, E>(effect: Effect.Effect<A, E, any>) =>
      Effect.provideContext(effect, context) as Effect.Effect<A, E>

    // Keeps one order in flight: it waits on a lock the test holds.
    const lock = yield* holdOrdersLock(sql)
    const inFlight = yield* within(postJson("/orders/new", order)).pipe(Effect.forkChild)
    yield* runningOrderStatements(sql, { onLock: true }).pipe(
      Effect.repeat({ until: (n) => n > 0, schedule: Schedule.spaced("10 millis") })
    )

    // What SIGTERM does: close the server's scope.
    const closing = yield* Scope.close(scope, Exit.void).pipe(Effect.forkChild)
    const refused = yield* within(postJson("/orders/new", order)).pipe(
      Effect.exit,
      Effect.repeat({ until: Exit.isFailure, schedule: Schedule.spaced("20 millis") }),
      Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => Effect.succeed(undefined) })
    )
    assert.isTrue(
      refused !== undefined && Exit.isFailure(refused),
      "the server still accepted new requests while shutting down"
    )

    yield* lock.release
    const finished = yield* Fiber.join(inFlight)
    assert.strictEqual(finished.status, 200, finished.text)
    yield* Fiber.join(closing)
  })
)
