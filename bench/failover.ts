/**
 * Failover benchmark: three pipeline runners in a cluster (`brewlytics
 * pipeline run --cluster`, default settings) on a throwaway embedded
 * PostgreSQL, orders trickling into OLTP (one every 50 ms). Each round kills
 * the owner of cdc_to_star with SIGKILL and measures the time from the kill to
 * the next committed batch (the watermark's `updated_at`, on the database's
 * clock, against the database's clock read right after the kill), then starts
 * a runner in its place and lets the cluster settle.
 *
 *   npm run bench:failover -- --rounds 5
 *
 * Goal: ≤ 10 s from the kill to the next committed batch.
 */
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { startCli } from "@brewlytics/db/testing/Cli.ts"
import { freePort } from "@brewlytics/db/testing/TestServer.ts"
import { migrateClusterStorage } from "@brewlytics/pipeline/cluster/Storage.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Schedule } from "effect"
import { Command, Flag } from "effect/cli"
import { openShop, throwawayDatabases } from "./System.ts"

const databases = throwawayDatabases(8)

/** A runner process (its output unread), killed (-9) when the scope closes if still running. */
const runner = Effect.gen(function* () {
  const [clusterPort, statusPort] = yield* Effect.promise(() => Promise.all([freePort(), freePort()]))
  const started = yield* startCli(["pipeline", "run", "--cluster"], {
    DATABASE_POOL_SIZE: "4",
    RUNNER_PORT: String(statusPort),
    CLUSTER_HOST: "127.0.0.1",
    CLUSTER_PORT: String(clusterPort)
  })
  return started.child
})

/** One order with one item and its payment, every 50 ms, until interrupted. */
const trickle = Effect.gen(function* () {
  const oltp = yield* OltpSql
  yield* oltp`
    WITH o AS (
      INSERT INTO orders (customer_id, employee_id, order_time)
      SELECT (SELECT min(id) FROM customers), (SELECT min(id) FROM employees WHERE active), now()
      RETURNING id),
    i AS (
      INSERT INTO order_items (order_id, product_id, quantity, unit_price)
      SELECT o.id, p.id, 1, p.price FROM o, (SELECT id, price FROM products WHERE active ORDER BY id LIMIT 1) p
      RETURNING order_id, unit_price)
    INSERT INTO payments (order_id, method, amount) SELECT order_id, 'card', unit_price FROM i`
}).pipe(Effect.repeat(Schedule.spaced("50 millis")))

/** The current owner of cdc_to_star once it has held it for `settled` seconds, and the database's time. */
const settledOwner = (settled: number) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    const [row] = yield* olap<{ pid: number; runner: string; ok: boolean }>`
      SELECT pid, runner, since < now() - make_interval(secs => ${settled}) AS ok
      FROM pipeline_owners WHERE pipeline = 'cdc_to_star'`
    return row?.ok === true ? row : undefined
  }).pipe(
    Effect.flatMap((row) => (row === undefined ? Effect.fail("unsettled" as const) : Effect.succeed(row))),
    Effect.retry(Schedule.spaced("200 millis"))
  )

/** Seconds from the kill (the database's clock right after it) to the next batch committed. */
const failover = (pid: number) =>
  Effect.gen(function* () {
    const olap = yield* OlapSql
    process.kill(pid, "SIGKILL")
    const [{ killed }] = (yield* olap<{ killed: Date }>`SELECT clock_timestamp() AS killed`) as [{ killed: Date }]
    const committed = yield* olap<{ at: Date }>`
      SELECT updated_at AS at FROM pipeline_watermark WHERE pipeline = 'cdc_to_star' AND updated_at > ${killed}`.pipe(
      Effect.flatMap((rows) => (rows.length === 0 ? Effect.fail("waiting" as const) : Effect.succeed(rows[0]!.at))),
      Effect.retry(Schedule.spaced("50 millis"))
    )
    return (committed.getTime() - killed.getTime()) / 1000
  })

const bench = Command.make(
  "failover",
  { rounds: Flag.Int("rounds").pipe(Flag.withDefault(5)), runners: Flag.Int("runners").pipe(Flag.withDefault(3)) },
  ({ rounds, runners }) =>
    Effect.gen(function* () {
      yield* openShop
      yield* migrateClusterStorage
      yield* Effect.forEach(Array.from({ length: runners }), () => runner, { discard: true })
      yield* Effect.forkScoped(trickle)
      const series: Array<number> = []
      for (let round = 1; round <= rounds; round++) {
        const owner = yield* settledOwner(5)
        const seconds = yield* failover(owner.pid)
        series.push(seconds)
        yield* Console.log(
          `round ${round}: owner ${owner.runner} (pid ${owner.pid}) killed -9: next batch ${seconds.toFixed(2)} s later`
        )
        yield* runner
      }
      const sorted = [...series].sort((a, b) => a - b)
      const median = sorted[Math.floor(sorted.length / 2)]!
      yield* Console.log(
        `kill -9 → next committed batch, ${runners} runners, default settings: ${series.map((s) => s.toFixed(2)).join(", ")} s; median ${median.toFixed(2)} s, max ${sorted.at(-1)!.toFixed(2)} s (goal ≤ 10 s)`
      )
    }).pipe(Effect.scoped, Effect.provide(databases))
).pipe(
  Command.withDescription("Kill the owner of cdc_to_star again and again; print the time to the next committed batch")
)

bench.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
