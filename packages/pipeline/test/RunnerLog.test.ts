import { OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Option, Schedule, Scope } from "effect"
import { CdcPrefetch } from "../src/cdc/Prefetch.ts"
import { DeadLetters } from "../src/dsl/DeadLetters.ts"
import { RunHistory } from "../src/RunHistory.ts"
import { Runner } from "../src/Runner.ts"
import { RunnerSchedules } from "../src/runner/Loop.ts"
import { RunnerSettings } from "../src/runner/Settings.ts"
import { placeOrders, seedShop } from "./cdc/Shop.ts"
import { captureLogs } from "./Logs.ts"

const everyHour = { text: "every 1 hour", schedule: Schedule.spaced("1 hour") }

/** Every registered pipeline, woken by NOTIFY and by each other only (their schedules are an hour). */
const runner = Runner.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CdcPrefetch.layer)),
  Layer.provideMerge(
    Layer.succeed(RunnerSettings, {
      port: 0,
      host: "127.0.0.1",
      token: Option.none(),
      schedules: new Map([
        ["cdc_to_star", everyHour],
        ["warehouse_models", everyHour]
      ]),
      stopGrace: Duration.seconds(30),
      afterIntervals: new Map([["warehouse_models", Duration.millis(100)]]),
      nice: 0
    })
  ),
  Layer.provideMerge(Layer.effectDiscard(seedShop)),
  Layer.provideMerge(TestDatabases)
)

/** Waits (real time) until `lines` hold what `find` looks for: the runner logs from its own fibers. */
const eventually = <A>(find: () => A | undefined, what: string) =>
  Effect.suspend(() => {
    const found = find()
    return found === undefined ? Effect.fail("not yet" as const) : Effect.succeed(found)
  }).pipe(
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ duration: "30 seconds" }))),
    Effect.catch(() => Effect.die(`Timed out waiting for ${what}`))
  )

describe("the runner's log", () => {
  it.live("a burst of orders: one busy line, one idle line with the events loaded, one models line; quiet before", () =>
    Effect.gen(function* () {
      const logs = captureLogs()
      const run = yield* Runner
      // Everything already there loaded by hand, so the runner's first looks find nothing.
      while ((yield* run.run("cdc_to_star")).more) {}
      yield* run.run("warehouse_models")
      const oltp = yield* OltpSql
      const changes = oltp<{ n: number }>`SELECT count(*)::int AS n FROM change_log`.pipe(
        Effect.map((rows) => rows[0]!.n),
        Effect.orDie
      )
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provide(logs.layer))
      yield* eventually(
        () => logs.lines.find((l) => l.message.startsWith("Pipeline runner:")),
        "the runner's start line"
      )
      const before = yield* changes
      yield* placeOrders(300)
      const burst = (yield* changes) - before
      const idle = yield* eventually(
        () => logs.lines.find((l) => l.message.startsWith("cdc_to_star: idle:")),
        "cdc_to_star to be idle again"
      )
      const models = yield* eventually(
        () => logs.lines.find((l) => l.message.startsWith("warehouse_models:")),
        "a warehouse_models line"
      )
      yield* Scope.close(scope, Exit.void)
      const messages = logs.lines.map((l) => l.message)
      const busy = messages.filter((m) => m.startsWith("cdc_to_star: busy:"))
      assert.strictEqual(busy.length, 1, messages.join("\n"))
      assert.isBelow(messages.indexOf(busy[0]!), messages.indexOf(idle.message))
      assert.match(
        idle.message,
        new RegExp(
          `^cdc_to_star: idle: loaded ${burst.toLocaleString("en-US")} events in \\d+ batch(es)? over \\d+\\.\\d s`
        )
      )
      assert.match(
        models.message,
        /^warehouse_models: \d+ model\(s\) built, \d+ unchanged, 0 failed \([1-9]\d* changed day\(s\), \d+ rows\) in \d+ ms$/
      )
      // Quiet otherwise: the start line, the spell, the models run, the stop.
      assert.deepStrictEqual(
        messages.filter((m) => !m.startsWith("cdc_to_star:") && !m.startsWith("warehouse_models:")),
        [messages.find((m) => m.startsWith("Pipeline runner:"))!, "Pipeline runner stopped"]
      )
      assert.isTrue(logs.lines.every((l) => l.level === "Info"))
    }).pipe(Effect.provide(runner))
  )
})
