import { OlapSql } from "@brewlytics/db/Databases.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { placeOrders, seedShop } from "../cdc/Shop.ts"
import { type ClusterRunner, eventually, owners, startRunner } from "./Runners.ts"

const PIPELINES = ["cdc_to_star", "warehouse_models"]

/** Facts of these orders in the warehouse. */
const factsOf = (orders: ReadonlyArray<bigint>) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const [row] = yield* olap<{ n: number }>`
      SELECT count(DISTINCT order_id)::int AS n FROM fact_sales WHERE order_id = ANY(${orders}::int8[])`
    return row!.n
  })

/** How many runners say they own `pipeline` right now, by their own logs. */
const ownersByLog = (runners: ReadonlyArray<ClusterRunner>, pipeline: string) =>
  runners.filter((r) => {
    const out = r.output()
    return r.alive() && out.lastIndexOf(`${pipeline}: owned by this runner`) > out.lastIndexOf(`${pipeline}: no longer`)
  }).length

const allOwned = Effect.map(owners, (found) => (PIPELINES.every((p) => found.has(p)) ? found : undefined))

describe("pipeline runners in a cluster", () => {
  it.live(
    "three runners: one owner per pipeline; the owner killed -9, another takes over from the watermark; reconcile agrees",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const migrated = yield* runCli(["migrate"])
        assert.strictEqual(migrated.code, 0, migrated.output)
        const runners = yield* Effect.forEach([1, 2, 3], () => startRunner())

        const first = yield* allOwned.pipe((check) => eventually("both pipelines owned", check, "60 seconds", runners))
        for (const pipeline of PIPELINES) {
          assert.include(
            runners.map((r) => r.address),
            first.get(pipeline)!.runner,
            `${pipeline} is owned by one of the runners`
          )
          // Runners joining move pipelines about (the old owner stops, then the new one starts): never two at once.
          yield* eventually(
            `${pipeline} owned by exactly one runner`,
            Effect.sync(() => {
              const n = ownersByLog(runners, pipeline)
              assert.isAtMost(n, 1, `${pipeline} is never owned by two runners at once`)
              return n === 1 ? n : undefined
            }),
            "30 seconds",
            runners
          )
        }

        const before = yield* placeOrders(5)
        yield* eventually(
          "orders loaded by the first owner",
          Effect.map(factsOf(before), (n) => (n === before.length ? n : undefined)),
          "30 seconds",
          runners
        )

        // The owner of cdc_to_star dies without a word.
        const owner = runners.find((r) => r.address === first.get("cdc_to_star")!.runner)!
        owner.child.kill("SIGKILL")
        const after = yield* placeOrders(5, { salt: 3 })
        yield* eventually(
          "orders placed after the owner's death loaded by another runner",
          Effect.map(factsOf(after), (n) => (n === after.length ? n : undefined)),
          "60 seconds",
          runners
        )
        const next = yield* owners
        const successor = next.get("cdc_to_star")!
        assert.notStrictEqual(successor.runner, owner.address, "another runner owns cdc_to_star")
        assert.isTrue(successor.since.getTime() > first.get("cdc_to_star")!.since.getTime())
        const survivors = runners.filter((r) => r !== owner)
        assert.strictEqual(ownersByLog(survivors, "cdc_to_star"), 1, "exactly one survivor owns cdc_to_star")

        const reconciled = yield* runCli(["reconcile"])
        assert.strictEqual(reconciled.code, 0, reconciled.output)
        const status = yield* runCli(["pipeline", "status"])
        assert.strictEqual(status.code, 0, status.output)
        assert.include(status.output, successor.runner)
        assert.include(status.output, "rejected stale commits")
      }).pipe(Effect.scoped, Effect.provide(TestDatabases)),
    { timeout: 180_000 }
  )
})
