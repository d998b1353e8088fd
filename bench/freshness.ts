/**
 * Freshness benchmark: a steady stream of orders through the real API (default
 * 300 orders/s for 20 s) while the pipeline runner runs as `brewlytics start`
 * runs it (on a thread of its own beside the API; LISTEN/NOTIFY wake-up,
 * bounded batches), on a throwaway embedded PostgreSQL
 * so the dev data in .brewlytics is untouched. For every order it measures the
 * time from the API's answer (the order's commit) to the first moment its row
 * is in `fact_sales` (a watcher polls OLAP every 5 ms, so figures carry up to
 * 5 ms of polling error). The sender and the watcher run in a worker thread:
 * they stand for the tills and a stopwatch, not for the system, so they do
 * not take turns on the API's event loop.
 *
 *   npm run bench:freshness -- --rate 300 --seconds 20 --warmup 5
 *   npm run bench:freshness -- --cluster   (the runner in cluster mode, as one of N)
 *
 * The shop is already open when the stream starts: the seed is loaded into
 * the star schema and the warehouse models are built once beforehand, as on
 * a running system (otherwise the first load and the models' first full build
 * of every table land in the first seconds). The first `--warmup` seconds of
 * the stream ramp up from 0 to the rate and are not measured (a process that
 * just started runs cold: JIT, empty caches, connections still to open);
 * their figures are printed apart. The measured seconds are at the steady rate.
 *
 * Goals: p50 ≤ 250 ms, p99 ≤ 1 s.
 */
import { monitorEventLoopDelay } from "node:perf_hooks"
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads"
import { withLogging } from "@brewlytics/cli/Logging.ts"
import { DatabaseUrls, OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Clock, Console, Duration, Effect, Fiber, Layer, Redacted, Schedule } from "effect"
import { Command, Flag } from "effect/cli"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "effect/http"
import * as Reactivity from "effect/reactivity/Reactivity"
import { clusterRunnerEnv, openShop, startSystemWith, throwawayDatabases } from "./System.ts"

// The API, the runner (whose LISTEN holds one connection) and the watcher share each pool.
const databases = throwawayDatabases(24)

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!

/** What the tills (the load generator and the watcher, in a worker thread) are given. */
interface TillsInput {
  readonly address: string
  readonly olapUrl: string
  readonly rate: number
  readonly warmup: number
  readonly seconds: number
  readonly customers: ReadonlyArray<number>
  readonly products: ReadonlyArray<number>
}

/** Per order: its id, when the API answered (committed), when its fact row was first seen (or null). */
interface TillsOutput {
  readonly started: number
  readonly measuredFrom: number
  readonly orders: ReadonlyArray<readonly [number, number, number | null]>
  readonly failures: number
}

type TillsMessage =
  | { readonly _tag: "progress"; readonly line: string }
  | { readonly _tag: "done"; readonly output: TillsOutput }

/**
 * The tills and the stopwatch, in their own thread: they send the steady
 * stream of orders through HTTP and watch `fact_sales`, so their work does not
 * sit on the event loop of the process under test (API and runner), as real
 * tills would not. Both times of an order are taken on this thread's clock.
 */
const tills = (input: TillsInput, report: (line: string) => void) =>
  Effect.gen(function* () {
    const olap = yield* PgClient.make({ url: Redacted.make(input.olapUrl), maxConnections: 1 })
    const client = yield* HttpClient.HttpClient
    const { customers, products } = input
    const committedAt = new Map<number, number>()
    const seenAt = new Map<number, number>()
    let failures = 0

    // The watcher: the first moment each order has a row in fact_sales.
    // By fact row id, not order id: orders commit out of id order, but one runner inserts facts in id order.
    let last = "0"
    const watcher = yield* Effect.gen(function* () {
      const rows = yield* olap<{ id: string; order_id: number }>`
        SELECT id::text, order_id::int FROM fact_sales WHERE id > ${last}::int8 ORDER BY id`
      const now = yield* Clock.currentTimeMillis
      for (const row of rows) {
        if (!seenAt.has(row.order_id)) seenAt.set(row.order_id, now)
        last = row.id
      }
    }).pipe(Effect.repeat(Schedule.spaced("5 millis")), Effect.forkChild)

    const placeOrder = (n: number) =>
      Effect.gen(function* () {
        const body = {
          customer_id: customers[n % customers.length]!,
          items: [
            { product_id: products[n % products.length]!, quantity: 1 + (n % 3) },
            { product_id: products[(n * 7 + 3) % products.length]!, quantity: 1 }
          ],
          payment_method: (["cash", "card", "mobile"] as const)[n % 3]
        }
        const response = yield* client.execute(
          HttpClientRequest.post(`${input.address}/orders/new`).pipe(HttpClientRequest.bodyJsonUnsafe(body))
        )
        const json = (yield* response.json) as { order_id?: number }
        const now = yield* Clock.currentTimeMillis
        if (response.status !== 200 || json.order_id === undefined) {
          failures++
          return
        }
        committedAt.set(Number(json.order_id), now)
      }).pipe(Effect.catch(() => Effect.sync(() => void failures++)))

    const tick = 50
    // Orders due by `ms` into the stream: the warm-up ramps up from 0 to the
    // rate (a shop's morning, and time for the JIT) without leaving a backlog
    // behind for the measured seconds, which are at the steady rate.
    const warmupMs = input.warmup * 1000
    const dueBy = (ms: number) =>
      (input.rate / 1000) * (ms < warmupMs ? (ms * ms) / (2 * warmupMs) : warmupMs / 2 + (ms - warmupMs))
    const senders: Array<Fiber.Fiber<void>> = []
    let sent = 0
    const started = yield* Clock.currentTimeMillis
    const measuredFrom = started + input.warmup * 1000
    for (let t = 0; t < ((input.warmup + input.seconds) * 1000) / tick; t++) {
      const due = Math.round(dueBy((t + 1) * tick))
      while (sent < due) senders.push(yield* Effect.forkChild(placeOrder(sent++)))
      const elapsed = (yield* Clock.currentTimeMillis) - started
      yield* Effect.sleep(Duration.millis(Math.max(0, (t + 1) * tick - elapsed)))
      if ((t * tick) % 1000 === 0 && t > 0) {
        report(`  ${(t * tick) / 1000} s: ${sent} sent, ${committedAt.size} committed, ${seenAt.size} in fact_sales`)
      }
    }
    yield* Fiber.joinAll(senders)
    report("Waiting for the last orders to reach fact_sales…")
    const deadline = (yield* Clock.currentTimeMillis) + 30_000
    while ([...committedAt.keys()].some((id) => !seenAt.has(id)) && (yield* Clock.currentTimeMillis) < deadline) {
      yield* Effect.sleep("50 millis")
    }
    yield* Fiber.interrupt(watcher)
    return {
      started,
      measuredFrom,
      orders: [...committedAt].map(([id, at]) => [id, at, seenAt.get(id) ?? null] as const),
      failures
    } satisfies TillsOutput
  }).pipe(Effect.scoped, Effect.provide(Layer.merge(FetchHttpClient.layer, Reactivity.layer)))

const bench = Command.make(
  "freshness",
  {
    rate: Flag.Int("rate").pipe(Flag.withDescription("Orders per second"), Flag.withDefault(300)),
    seconds: Flag.Int("seconds").pipe(Flag.withDescription("How long to measure"), Flag.withDefault(20)),
    warmup: Flag.Int("warmup").pipe(
      Flag.withDescription("Seconds of the same stream sent first and not measured"),
      Flag.withDefault(5)
    ),
    cluster: Flag.Boolean("cluster").pipe(
      Flag.withDescription("Run the runner in cluster mode (PIPELINE_CLUSTER=true): lease, fence, owner record"),
      Flag.withDefault(false)
    )
  },
  ({ rate, seconds, warmup, cluster }) =>
    Effect.gen(function* () {
      yield* Console.log("Preparing a throwaway database pair (migrate, seed, load, build the models)…")
      yield* openShop
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      const customers = (yield* oltp<{ id: number }>`SELECT id::int FROM customers ORDER BY id`).map((r) => r.id)
      const products = (yield* oltp<{ id: number }>`SELECT id::int FROM products WHERE active ORDER BY id`).map(
        (r) => r.id
      )

      // The system under test, as `brewlytics start` runs it: the API here, the runner on its own thread.
      const address = yield* startSystemWith(cluster ? yield* clusterRunnerEnv : {})
      const urls = yield* DatabaseUrls

      // How long callbacks wait for the API's event loop (the runner has a loop of its own).
      const loopDelay = monitorEventLoopDelay({ resolution: 10 })
      loopDelay.enable()
      yield* Console.log(
        `Ramping up to ${rate} orders/s over ${warmup} s of warm-up, then ${rate} orders/s for ${seconds} s measured, to ${address}…`
      )
      const input: TillsInput = {
        address,
        olapUrl: Redacted.value(urls.olap),
        rate,
        warmup,
        seconds,
        customers,
        products
      }
      const { started, measuredFrom, orders, failures } = yield* Effect.callback<TillsOutput>((resume) => {
        const worker = new Worker(new URL(import.meta.url), { workerData: input })
        worker.on("message", (message: TillsMessage) => {
          if (message._tag === "progress") console.log(message.line)
          else resume(Effect.succeed(message.output))
        })
        worker.on("error", (error) => resume(Effect.die(error)))
        return Effect.promise(() => worker.terminate())
      })
      loopDelay.disable()
      const committedAt = new Map(orders.map(([id, at]) => [id, at]))
      const seenAt = new Map(orders.flatMap(([id, , seen]) => (seen === null ? [] : [[id, seen] as const])))

      const latenciesOf = (measured: boolean) =>
        [...committedAt.entries()]
          .flatMap(([id, at]) =>
            seenAt.has(id) && at >= measuredFrom === measured ? [Math.max(0, seenAt.get(id)! - at)] : []
          )
          .sort((a, b) => a - b)
      const latencies = latenciesOf(true)
      const cold = latenciesOf(false)
      const measuredOrders = [...committedAt.values()].filter((at) => at >= measuredFrom).length
      // The same, second by second of the run: where the slow orders are (a cold start, a stall).
      const bySecond = new Map<number, Array<number>>()
      for (const [id, at] of committedAt) {
        if (!seenAt.has(id)) continue
        const second = Math.floor((at - started) / 1000)
        bySecond.set(second, [...(bySecond.get(second) ?? []), Math.max(0, seenAt.get(id)! - at)])
      }
      const missing = measuredOrders - latencies.length
      const p50 = percentile(latencies, 50)
      const p99 = percentile(latencies, 99)
      yield* Console.log("\nSummary")
      yield* Console.log(
        `  orders committed        ${measuredOrders} measured, ${committedAt.size - measuredOrders} in the warm-up (${failures} failed requests)`
      )
      yield* Console.log(`  achieved rate           ${(measuredOrders / seconds).toFixed(0)} orders/s`)
      yield* Console.log(`  not in fact_sales       ${missing}`)
      yield* Console.log(`  commit → fact p50       ${p50} ms   goal ≤ 250 ms: ${p50 <= 250 ? "met" : "MISSED"}`)
      yield* Console.log(`  commit → fact p90       ${percentile(latencies, 90)} ms`)
      yield* Console.log(`  commit → fact p99       ${p99} ms   goal ≤ 1000 ms: ${p99 <= 1000 ? "met" : "MISSED"}`)
      yield* Console.log(`  commit → fact max       ${latencies.at(-1)} ms`)
      yield* Console.log(
        `  warm-up (not measured)  p50 ${percentile(cold, 50)} ms, p99 ${percentile(cold, 99)} ms, max ${cold.at(-1)} ms`
      )
      yield* Console.log(
        `  p50/p99 per second      ${[...bySecond.entries()]
          .sort(([a], [b]) => a - b)
          .map(([second, xs]) => {
            const sorted = xs.sort((a, b) => a - b)
            return `${second}s ${percentile(sorted, 50)}/${percentile(sorted, 99)}`
          })
          .join(", ")}`
      )
      // The runs of the measured window only.
      const measured = olap`started_at >= ${new Date(measuredFrom)}`
      const steps = yield* olap<{ step: string; runs: number; p50: number; p90: number }>`
        SELECT s->>'step' AS step, count(*)::int AS runs,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY (s->>'millis')::int) AS p50,
               percentile_disc(0.9) WITHIN GROUP (ORDER BY (s->>'millis')::int) AS p90
        FROM pipeline_runs, jsonb_array_elements(steps) AS s WHERE ${measured} GROUP BY 1 ORDER BY p50 DESC`
      const [runs] = yield* olap<{ runs: number; p50: number; events: number }>`
        SELECT count(*)::int AS runs, percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - started_at) * 1000)::int AS p50,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY rows_read)::int AS events
        FROM pipeline_runs WHERE ${measured}`
      yield* Console.log(`  runs                    ${runs!.runs}, median ${runs!.p50} ms with ${runs!.events} events`)
      const triggers = yield* olap<{ trigger: string; runs: number }>`
        SELECT trigger, count(*)::int AS runs FROM pipeline_runs WHERE ${measured} GROUP BY 1 ORDER BY 1`
      yield* Console.log(`  runs by trigger         ${triggers.map((t) => `${t.trigger} ${t.runs}`).join(", ")}`)
      for (const s of steps) yield* Console.log(`    ${s.step.padEnd(20)} p50 ${s.p50} ms, p90 ${s.p90} ms`)
      const ms = (ns: number) => (ns / 1e6).toFixed(0)
      yield* Console.log(
        `  API event-loop delay    p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`
      )
      const slowest = yield* olap<{ trigger: string; ms: number; events: number; steps: string }>`
        SELECT trigger, extract(epoch FROM ended_at - started_at)::float8 * 1000 AS ms, rows_read::int AS events,
               (SELECT string_agg(format('%s %s ms%s', s->>'step', s->>'millis',
                         CASE WHEN (s->>'attempts')::int > 1 THEN format(' (%s attempts)', s->>'attempts') ELSE '' END), ', ')
                FROM jsonb_array_elements(steps) AS s WHERE (s->>'millis')::int >= 5) AS steps
        FROM pipeline_runs WHERE ${measured} ORDER BY ended_at - started_at DESC LIMIT 5`
      const [gaps] = yield* olap<{ p50: number; max: number }>`
        SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY gap)::int AS p50, max(gap)::int AS max FROM (
          SELECT extract(epoch FROM started_at - lag(ended_at) OVER (ORDER BY started_at)) * 1000 AS gap FROM pipeline_runs WHERE ${measured}) g
        WHERE gap IS NOT NULL`
      yield* Console.log(`  between recorded runs   p50 ${gaps!.p50} ms, max ${gaps!.max} ms`)
      yield* Console.log("  slowest runs")
      for (const r of slowest) {
        yield* Console.log(`    ${r.ms.toFixed(0)} ms, ${r.events} events (${r.trigger}): ${r.steps ?? ""}`)
      }
    }).pipe(Effect.scoped, Effect.provide(databases))
).pipe(Command.withDescription("Time from an order's commit (through the API) to its fact row, under a steady load"))

if (isMainThread) {
  // As \`brewlytics start\`: one logger, chosen here (LOG_FORMAT, else readable on a terminal, JSON otherwise), which
  // the runner's thread is told too.
  bench.pipe(
    Command.run({ version: "0.1.0" }),
    Effect.scoped,
    Effect.provide(NodeServices.layer),
    withLogging,
    (main) => NodeRuntime.runMain(main, { disableErrorReporting: true })
  )
} else {
  const post = (message: TillsMessage) => parentPort!.postMessage(message)
  Effect.runPromise(tills(workerData as TillsInput, (line) => post({ _tag: "progress", line }))).then(
    (output) => post({ _tag: "done", output }),
    (error) => {
      throw error
    }
  )
}
