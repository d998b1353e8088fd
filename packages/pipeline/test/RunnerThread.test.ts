import { createServer } from "node:net"
import { RUNNER_WORKER } from "@brewlytics/cli/RunnerThreadStart.ts"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Fiber, Schedule } from "effect"
import { runRunnerThread } from "../src/RunnerThread.ts"
import { placeOrders, seedShop } from "./cdc/Shop.ts"

/** Facts of these orders in the warehouse. */
const factsOf = (orders: ReadonlyArray<bigint>) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const [row] = yield* olap<{
      n: number
    }>`SELECT count(*)::int AS n FROM fact_sales WHERE order_id = ANY(${orders}::int8[])`
    return row!.n
  })

describe("runner thread", () => {
  it.live(
    "runs the runner on a thread of its own: orders reach fact_sales; interrupted, it stops and loads no more",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const thread = yield* Effect.forkChild(runRunnerThread({ entry: RUNNER_WORKER, env: { RUNNER_PORT: "0" } }))
        const first = yield* placeOrders(3)
        // Woken by NOTIFY (or its 5 s schedule): well within 30 s even on a busy machine.
        const loaded = yield* factsOf(first).pipe(
          Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (n) => n > 0 }),
          Effect.timeoutOption(Duration.seconds(30))
        )
        assert.isTrue(loaded._tag === "Some" && loaded.value > 0, "the thread runner loaded the orders")
        // Interrupting waits for the thread to stop; then nothing loads any more.
        yield* Fiber.interrupt(thread)
        assert.isTrue(Exit.hasInterrupts(yield* Fiber.await(thread)))
        const later = yield* placeOrders(2, { salt: 7 })
        yield* Effect.sleep("6 seconds")
        assert.strictEqual(yield* factsOf(later), 0, "a stopped runner loads nothing")
      }).pipe(Effect.provide(TestDatabases)),
    { timeout: 60_000 }
  )

  it.live(
    "a runner that cannot start fails the thread with the runner's own words",
    () =>
      Effect.gen(function* () {
        // Its status port is taken.
        const taken = createServer()
        const port = yield* Effect.promise(
          () =>
            new Promise<number>((listening) =>
              taken.listen(0, () => listening((taken.address() as { port: number }).port))
            )
        )
        yield* Effect.addFinalizer(() => Effect.sync(() => taken.close()))
        const exit = yield* Effect.exit(runRunnerThread({ entry: RUNNER_WORKER, env: { RUNNER_PORT: String(port) } }))
        assert.isTrue(Exit.isFailure(exit))
        const message = Exit.isFailure(exit) ? String(exit.cause) : ""
        assert.include(message, "The pipeline runner stopped")
        assert.include(message, "EADDRINUSE")
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    { timeout: 60_000 }
  )
})
