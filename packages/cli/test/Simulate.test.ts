import { OltpSql } from "@brewlytics/db/Databases.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Clock, ConfigProvider, Effect } from "effect"
import { simulationOnStart } from "../src/commands/Simulate.ts"

const DAY = 86_400_000

const orders = Effect.gen(function* () {
  const sql = yield* OltpSql
  const [row] = yield* sql<{ n: number; first: string | null; last: string | null }>`
    SELECT count(*)::int AS n, min(order_time)::text AS first, max(order_time)::text AS last FROM orders`
  return row!
})

const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

/** `brewlytics …` as a user runs it, against this test's databases. */
const cli = (...args: ReadonlyArray<string>) => runCli(args)

describe("the simulation at start", () => {
  it.effect("SIMULATE=off or --no-simulate: nothing is written", () =>
    Effect.gen(function* () {
      yield* Effect.orDie(seed)
      for (const off of [
        simulationOnStart(true).pipe(Effect.provide(withEnv({ SIMULATE: "off" }))),
        simulationOnStart(false).pipe(Effect.provide(withEnv({})))
      ]) {
        const { history, live } = yield* off
        yield* history
        yield* live
      }
      assert.strictEqual((yield* orders).n, 0)
    }).pipe(Effect.provide(TestDatabases))
  )

  it.live("an empty shop gets 30 days of history, once; a shop with orders gets none", () =>
    Effect.gen(function* () {
      yield* Effect.orDie(seed)
      // On the real clock: the history is the 30 days before now.
      const started = yield* Clock.currentTimeMillis
      yield* (yield* simulationOnStart(true).pipe(Effect.provide(withEnv({})))).history
      const first = yield* orders
      assert.isAbove(first.n, 5000)
      assert.isAtLeast(Date.parse(first.first!), started - 30 * DAY - 60_000)
      assert.isBelow(Date.parse(first.first!), started - 29 * DAY)
      assert.isBelow(Date.parse(first.last!), started)
      yield* (yield* simulationOnStart(true).pipe(Effect.provide(withEnv({})))).history
      assert.strictEqual((yield* orders).n, first.n)
    }).pipe(Effect.provide(TestDatabases))
  )
})

describe("brewlytics simulate --history", () => {
  it.effect(
    "backfills with plain progress lines off a terminal, says when the span already has orders, refuses a span it cannot read",
    () =>
      Effect.gen(function* () {
        const ok = yield* cli("simulate", "--history", "3d", "--seed", "11")
        assert.strictEqual(ok.code, 0, ok.output)
        assert.match(ok.output, /Simulated history: 4\/4 days, [\d,]+ orders \(100%\)/)
        assert.match(ok.output, /Simulated 4 day\(s\) of history in [\d.]+ s: [\d,]+ orders/)
        const first = (yield* orders).n
        assert.isAbove(first, 300)
        assert.notMatch(ok.output, /already has/)

        // Again over the same span: said, and added (nothing is deleted).
        const again = yield* cli("simulate", "--history", "1d", "--seed", "12")
        assert.strictEqual(again.code, 0, again.output)
        assert.match(again.output, /Note: OLTP already has [\d,]+ orders in this span; they are kept/)
        assert.isAbove((yield* orders).n, first)

        const bad = yield* cli("simulate", "--history", "3 fortnights")
        assert.notStrictEqual(bad.code, 0)
        assert.match(bad.output, /--history 3 fortnights: write a positive whole number and a unit/)
      }).pipe(Effect.provide(TestDatabases))
  )
})
