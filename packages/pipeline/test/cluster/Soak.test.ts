import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { runCli } from "@brewlytics/db/testing/Cli.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { freePort } from "@brewlytics/db/testing/TestServer.ts"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Schedule } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import { seedShop } from "../cdc/Shop.ts"
import { type ClusterRunner, eventually, owners, startCli, startRunner } from "./Runners.ts"

/**
 * The long proof under faults (`npm run test:cluster`, CLUSTER_SOAK_SECONDS of
 * chaos, 120 by default there): three runners, a steady write load through
 * the API, and in turn the owner of cdc_to_star killed -9 (and replaced), the
 * owner paused for longer than a lease then resumed, and the OLAP connections
 * of batches in flight terminated (pg_terminate_backend). After the load stops
 * and the pipeline drains, reconcile agrees. Skipped in `npm test`, whose
 * short versions are Failover.test.ts and Fencing.test.ts.
 */
const SECONDS = Number(process.env.CLUSTER_SOAK_SECONDS ?? "0")

/** Ends the OLAP backends of batches in flight (not the cluster's own lease and message traffic). */
const terminateBatches = Effect.gen(function* () {
  const olap = yield* OlapSql
  const rows = yield* olap<{ pid: number }>`
    SELECT pid FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state IN ('active', 'idle in transaction') AND query NOT ILIKE '%cluster_%'`
  yield* Effect.forEach(rows, (r) => olap`SELECT pg_terminate_backend(${r.pid})`, { discard: true })
  return rows.length
})

describe.skipIf(SECONDS <= 0)("pipeline runners in a cluster, under faults", () => {
  it.live(
    "three runners, steady writes through the API, owners killed, paused and cut off: the warehouse ends equal to OLTP",
    () =>
      Effect.gen(function* () {
        yield* seedShop
        const migrated = yield* runCli(["migrate"])
        assert.strictEqual(migrated.code, 0, migrated.output)
        const apiPort = yield* Effect.promise(() => freePort())
        const api = yield* startCli(["api"], { API_PORT: String(apiPort), SIMULATE: "off" })
        const runners: Array<ClusterRunner> = yield* Effect.forEach([1, 2, 3], () => startRunner())
        yield* eventually(
          "cdc_to_star owned",
          Effect.map(owners, (o) => o.get("cdc_to_star")),
          "60 seconds",
          runners
        )
        const client = yield* HttpClient.HttpClient
        yield* eventually(
          "the API ready",
          client.get(`http://127.0.0.1:${apiPort}/ready`).pipe(
            Effect.map((r) => (r.status === 200 ? true : undefined)),
            Effect.orElseSucceed(() => undefined)
          ),
          "60 seconds"
        ).pipe(Effect.tapDefect(() => Effect.logError(api.output())))

        // About 20 orders/s through the API, each answered or not; OLTP is the truth either way.
        let n = 0
        const load = yield* Effect.forkChild(
          Effect.suspend(() => {
            n++
            return client
              .execute(
                HttpClientRequest.post(`http://127.0.0.1:${apiPort}/orders/new`).pipe(
                  HttpClientRequest.setHeader("idempotency-key", `soak-${n}`),
                  HttpClientRequest.bodyJsonUnsafe({
                    customer_id: 1 + (n % 5),
                    items: [{ product_id: 1 + (n % 7), quantity: 1 + (n % 3) }]
                  })
                )
              )
              .pipe(Effect.exit, Effect.forkChild)
          }).pipe(Effect.repeat(Schedule.spaced("50 millis")))
        )

        const log: Array<string> = []
        const until = (yield* Clock.currentTimeMillis) + SECONDS * 1000
        for (let round = 0; (yield* Clock.currentTimeMillis) < until; round++) {
          yield* Effect.sleep("4 seconds")
          // The live owner (after a kill, once another runner has taken over).
          const target = yield* eventually(
            "a live owner of cdc_to_star",
            Effect.map(owners, (o) => runners.find((r) => r.address === o.get("cdc_to_star")?.runner && r.alive())),
            "60 seconds",
            runners
          )
          if (round % 3 === 0) {
            target.child.kill("SIGKILL")
            runners.push(yield* startRunner())
            log.push(`killed -9 ${target.address}`)
          } else if (round % 3 === 1) {
            target.child.kill("SIGSTOP")
            yield* Effect.sleep("8 seconds")
            target.child.kill("SIGCONT")
            log.push(`paused ${target.address} for 8 s`)
          } else {
            log.push(`terminated ${yield* terminateBatches} OLAP backend(s) of batches in flight`)
          }
        }
        yield* Fiber.interrupt(load)
        yield* Effect.sleep("1 second")

        const oltp = yield* OltpSql
        const olap = yield* OlapSql
        const [{ orders }] = (yield* oltp<{ orders: number }>`
          SELECT count(*)::int AS orders FROM orders o WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)`) as [
          { orders: number }
        ]
        yield* eventually(
          "every order in the warehouse after the drain",
          olap<{ n: number }>`SELECT count(DISTINCT order_id)::int AS n FROM fact_sales`.pipe(
            Effect.map(([row]) => (row!.n === orders ? true : undefined))
          ),
          "120 seconds",
          runners
        )
        // Every change-log event loaded by exactly one committed batch: the batches' event counts add up to the log.
        const [{ logged }] = (yield* oltp<{ logged: number }>`SELECT count(*)::int AS logged FROM change_log`) as [
          { logged: number }
        ]
        const [{ committed }] = (yield* olap<{ committed: number }>`
          SELECT events::int AS committed FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`) as [
          { committed: number }
        ]
        assert.strictEqual(committed, logged, "the committed batches carried each change once")
        const reconciled = yield* runCli(["reconcile"])
        assert.strictEqual(reconciled.code, 0, reconciled.output)
        const final = (yield* owners).get("cdc_to_star")!
        yield* Effect.log(
          `soak: ${SECONDS} s, ${orders} orders, faults: ${log.join("; ")}; rejected stale commits: ${final.rejected}`
        )
        assert.isAbove(orders, SECONDS * 5, "the load went on through the faults")
      }).pipe(Effect.scoped, Effect.provide(Layer.merge(TestDatabases, FetchHttpClient.layer))),
    { timeout: (SECONDS + 300) * 1000 }
  )
})
