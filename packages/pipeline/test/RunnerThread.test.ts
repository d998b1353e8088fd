import * as Fs from "node:fs"
import { createServer } from "node:net"
import * as Os from "node:os"
import { RUNNER_WORKER } from "@brewlytics/cli/RunnerThreadStart.ts"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
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

  /** The niceness of each thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
  const threadNiceness = () =>
    Fs.readdirSync("/proc/self/task").map((tid) => {
      const stat = Fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8")
      return { tid: Number(tid), nice: Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]) }
    })

  /** Niceness of each session on the pool's database. */
  const sessionNiceness = (sql: OltpSql["Service"]) =>
    Effect.map(
      sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`,
      (rows) => rows.map((r) => Os.getPriority(r.pid))
    )

  it.live.skipIf(Os.platform() !== "linux")(
    "the runner yields the CPU: its thread and the warehouse's sessions run at RUNNER_NICE, the API's thread and the OLTP sessions keep theirs",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const olap = yield* OlapSql
        const oltp = yield* OltpSql
        const before = yield* sessionNiceness(olap)
        assert.isTrue(before.length > 0 && before.every((n) => n === 0), "the warehouse's sessions start at 0")
        yield* Effect.forkScoped(runRunnerThread({ entry: RUNNER_WORKER, env: { RUNNER_PORT: "0", RUNNER_NICE: "7" } }))
        // Swept every second: this test's own warehouse session included.
        const lowered = yield* sessionNiceness(olap).pipe(
          Effect.repeat({
            schedule: Schedule.spaced("100 millis"),
            until: (ns) => ns.length > 1 && ns.every((n) => n === 7)
          }),
          Effect.timeoutOption(Duration.seconds(30))
        )
        assert.isTrue(lowered._tag === "Some", `every warehouse session at niceness 7: ${yield* sessionNiceness(olap)}`)
        yield* placeOrders(3)
        const till = yield* sessionNiceness(oltp)
        assert.isTrue(till.length > 1, "the runner's and this test's OLTP sessions")
        assert.deepStrictEqual([...new Set(till)], [0], "the OLTP sessions keep their priority")
        const threads = threadNiceness()
        assert.strictEqual(threads.find((t) => t.tid === process.pid)?.nice, 0, "the main thread keeps its priority")
        assert.isTrue(
          threads.some((t) => t.nice === 7),
          "the runner's thread runs at niceness 7"
        )
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    { timeout: 60_000 }
  )
})
