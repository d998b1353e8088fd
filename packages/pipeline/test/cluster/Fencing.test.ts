import { OlapSql } from "@brewlytics/db/Databases.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { placeOrders, seedShop } from "../cdc/Shop.ts"
import { eventually, owners, startRunner } from "./Runners.ts"

const loaded = (orders: ReadonlyArray<bigint>) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const [row] = yield* olap<{ n: number }>`
      SELECT count(DISTINCT order_id)::int AS n FROM fact_sales WHERE order_id = ANY(${orders}::int8[])`
    return row!.n === orders.length ? true : undefined
  })

/** The OLAP backend of a batch waiting on the watermark's row lock: the owner's load, stuck at its compare-and-set. */
const waitingLoad = Effect.gen(function* () {
  const olap = yield* OlapSql
  const [row] = yield* olap<{ pid: number }>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%UPDATE pipeline_watermark%'`
  return row?.pid
})

const backendAlive = (pid: number) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const rows = yield* olap`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`
    return rows.length > 0
  })

describe("pipeline runners in a cluster: fencing", () => {
  it.live(
    "the owner paused (SIGSTOP) mid-batch loses its lease; its transaction is ended, never committed; another runner loads; resumed, it commits nothing",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const migrated = yield* runCli(["migrate"])
        assert.strictEqual(migrated.code, 0, migrated.output)
        const runners = yield* Effect.forEach([1, 2], () => startRunner())
        // Both runners have joined and cdc_to_star has stayed with one of them for a few seconds.
        const owner = yield* eventually(
          "cdc_to_star settled on an owner after both runners joined",
          Effect.gen(function* () {
            const olap = yield* OlapSql
            const [row] = yield* olap<{ runners: number; settled: boolean }>`
              SELECT (SELECT count(*)::int FROM cluster_runners) AS runners,
                     coalesce((SELECT since < now() - interval '3 seconds' FROM pipeline_owners WHERE pipeline = 'cdc_to_star'), false) AS settled`
            return row!.runners === 2 && row!.settled ? (yield* owners).get("cdc_to_star") : undefined
          }),
          "60 seconds",
          runners
        )
        const stale = runners.find((r) => r.address === owner.runner)!
        const other = runners.find((r) => r !== stale)!
        const first = yield* placeOrders(3)
        yield* eventually("first orders loaded", loaded(first), "30 seconds", runners)

        // Hold the watermark's row: the owner's next batch stops at its compare-and-set, mid-transaction.
        const olap = yield* OlapSql
        const release = yield* Deferred.make<void>()
        const held = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(
          olap.withTransaction(
            Effect.gen(function* () {
              yield* olap`SELECT 1 FROM pipeline_watermark WHERE pipeline = 'cdc_to_star' FOR UPDATE`
              yield* Deferred.succeed(held, undefined)
              yield* Deferred.await(release)
            })
          )
        )
        yield* Deferred.await(held)
        const during = yield* placeOrders(3, { salt: 5 })
        const stuck = yield* eventually("the owner's load waiting on the watermark", waitingLoad, "30 seconds", runners)

        stale.child.kill("SIGSTOP")
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(holder)

        // The paused owner's transaction ran its compare-and-set, then sat idle: PostgreSQL ends it after one lease.
        yield* eventually(
          "the paused owner's transaction ended by the server",
          Effect.map(backendAlive(stuck), (alive) => (alive ? undefined : true)),
          "30 seconds",
          runners
        )
        yield* eventually(
          "orders of the paused owner's batch loaded by the other runner",
          loaded(during),
          "60 seconds",
          runners
        )
        const successor = (yield* owners).get("cdc_to_star")!
        assert.strictEqual(successor.runner, other.address, "the other runner owns cdc_to_star")

        stale.child.kill("SIGCONT")
        yield* eventually(
          "the resumed runner knows it lost cdc_to_star",
          Effect.sync(() => (stale.output().includes("cdc_to_star: no longer owned") ? true : undefined)),
          "30 seconds",
          runners
        )
        const after = yield* placeOrders(3, { salt: 9 })
        yield* eventually("orders after the resume loaded", loaded(after), "30 seconds", runners)

        const reconciled = yield* runCli(["reconcile"])
        assert.strictEqual(reconciled.code, 0, reconciled.output)
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    { timeout: 180_000 }
  )
})
