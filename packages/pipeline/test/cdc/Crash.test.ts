import { type ChildProcess, spawn } from "node:child_process"
import * as Path from "node:path"
import { DatabaseUrls, OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Random, Redacted } from "effect"
import { lag } from "../../src/cdc/Cdc.ts"
import { runOnce } from "../../src/pipelines/RunCdcToStar.ts"
import { reconcile } from "../../src/Reconcile.ts"
import { placeOrders, seedShop } from "./Shop.ts"

const RUNNER = Path.join(import.meta.dirname, "crash-runner.ts")

/** Starts the runner and waits until it has committed its first batch. */
const startRunner = Effect.gen(function* () {
  const urls = yield* DatabaseUrls
  return yield* Effect.callback<ChildProcess>((resume) => {
    const child = spawn(process.execPath, [RUNNER], {
      env: {
        ...process.env,
        OLTP_DATABASE_URL: Redacted.value(urls.oltp),
        OLAP_DATABASE_URL: Redacted.value(urls.olap),
        DATABASE_POOL_SIZE: "2"
      },
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout!.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("batch")) resume(Effect.succeed(child))
    })
    child.once("exit", (code) => resume(Effect.die(new Error(`the crash runner exited early with code ${code}`))))
  }).pipe(
    Effect.timeoutOrElse({
      duration: "60 seconds",
      orElse: () => Effect.die(new Error("the crash runner committed no batch within 60 s"))
    })
  )
})

const kill9 = (child: ChildProcess) =>
  Effect.callback<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.removeAllListeners("exit")
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

describe("cdc crash and restart", () => {
  it.live(
    "kill -9 at random moments, many times, then restart: the warehouse equals OLTP",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        yield* placeOrders(3000)
        const oltp = yield* OltpSql
        const olap = yield* OlapSql
        const kills = 12
        for (let round = 0; round < kills; round++) {
          // Work waiting before it starts (a runner that caught up before the
          // last kill leaves none, and this one would never commit a batch)…
          yield* placeOrders(100, { salt: round })
          const child = yield* startRunner
          // …and more writes while it runs: new orders, changed quantities, cancellations.
          yield* placeOrders(50, { salt: round + 1000 })
          yield* oltp`UPDATE order_items SET quantity = 1 + (quantity % 3) WHERE id % 97 = ${round}`
          yield* oltp`UPDATE orders SET status = 'cancelled' WHERE id % 211 = ${round}`
          yield* Effect.sleep(Duration.millis(yield* Random.nextIntBetween(20, 400)))
          yield* kill9(child)
        }
        // Restart: one more runner, to the end.
        while ((yield* runOnce()).more) {}
        const [watermark] = yield* olap<{ batches: number }>`
          SELECT batches::int FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`
        assert.isAbove(watermark!.batches, kills, "the killed runners committed batches between kills")
        assert.strictEqual((yield* lag()).events, 0)
        const [dupes] = yield* olap<{ sales: number; payments: number }>`
          SELECT (SELECT count(*) - count(DISTINCT order_item_id) FROM fact_sales)::int AS sales,
                 (SELECT count(*) - count(DISTINCT payment_id) FROM fact_payments)::int AS payments`
        assert.deepStrictEqual(dupes, { sales: 0, payments: 0 })
        const r = yield* reconcile()
        assert.deepStrictEqual(
          r.checks.filter((c) => !c.ok),
          []
        )
        const [dead] = yield* olap<{ n: number }>`SELECT count(*)::int AS n FROM pipeline_dead_letters`
        assert.strictEqual(dead!.n, 0)
      }).pipe(Effect.provide(TestDatabases)),
    180_000
  )
})
