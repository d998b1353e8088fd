import { createServer } from "node:http"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { accepts, externalAddress } from "@brewlytics/db/testing/TestServer.ts"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Duration, Effect, Exit, Layer, Option, Queue, Redacted, Schedule, Schema, Scope } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, HttpServer } from "effect/http"
import { CdcPrefetch } from "../src/cdc/Prefetch.ts"
import { DeadLetters } from "../src/dsl/DeadLetters.ts"
import * as Pipeline from "../src/dsl/Pipeline.ts"
import * as Step from "../src/dsl/Step.ts"
import { cdcToStar } from "../src/pipelines/CdcToStar.ts"
import { PIPELINES, type Registered } from "../src/pipelines/Registry.ts"
import { RunHistory } from "../src/RunHistory.ts"
import { Runner } from "../src/Runner.ts"
import { RunnerStatusApp, RunnerStatusHttp } from "../src/RunnerStatusHttp.ts"
import { RunnerSchedules } from "../src/runner/Loop.ts"
import { RunnerSettings } from "../src/runner/Settings.ts"
import { placeOrders, seedShop } from "./cdc/Shop.ts"

const settings = (overrides: Partial<RunnerSettings["Service"]> = {}) =>
  Layer.succeed(RunnerSettings, {
    port: 0,
    host: "127.0.0.1",
    token: Option.none(),
    schedules: new Map(),
    stopGrace: Duration.seconds(30),
    afterIntervals: new Map(),
    nice: 0,
    ...overrides
  })

/** The runner over a fresh, seeded database pair of the test's own. */
const runnerOver = (registry?: ReadonlyMap<string, Registered>, overrides: Partial<RunnerSettings["Service"]> = {}) =>
  (registry === undefined ? Runner.layer : Runner.layerFor(registry)).pipe(
    Layer.provideMerge(Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CdcPrefetch.layer)),
    Layer.provideMerge(settings(overrides)),
    Layer.provideMerge(Layer.effectDiscard(seedShop)),
    Layer.provideMerge(TestDatabases)
  )

const counts = Effect.gen(function* () {
  const oltp = yield* OltpSql
  const olap = yield* OlapSql
  const [o] = yield* oltp<{ items: number }>`SELECT count(*)::int AS items FROM order_items`
  const [w] = yield* olap<{ facts: number; runs: number }>`
    SELECT (SELECT count(*)::int FROM fact_sales) AS facts, (SELECT count(*)::int FROM pipeline_runs) AS runs`
  return { items: o!.items, facts: w!.facts, runs: w!.runs }
}).pipe(Effect.orDie)

/** Waits (real time) for a condition on the database: the runner works in its own fibers. */
const eventually = <A, R>(check: Effect.Effect<A | undefined, never, R>, what: string) =>
  check.pipe(
    Effect.flatMap((a) => (a === undefined ? Effect.fail("not yet" as const) : Effect.succeed(a))),
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo({ duration: "20 seconds" }))),
    Effect.catch(() => Effect.die(`Timed out waiting for ${what}`))
  )

const everyHour = { text: "every 1 hour", schedule: Schedule.spaced("1 hour") }
const hourly = new Map([["cdc_to_star", everyHour]])

/**
 * A scope for the runner's schedules that the test closes itself (to check the
 * stop) and that is closed anyway if the test fails first: a runner left going
 * would outlive its databases and hang the file.
 */
const stoppedAtTheEnd = Effect.acquireRelease(Scope.make(), (scope) => Scope.close(scope, Exit.void))

/** The change-log pipeline alone: the runner tests that are not about the models run without them. */
const cdcOnly = new Map([["cdc_to_star", PIPELINES.get("cdc_to_star")!]])

describe("Runner", () => {
  it.live("records a run with the pipeline's version, its counts and its status", () =>
    Effect.gen(function* () {
      yield* placeOrders(20)
      const runner = yield* Runner
      const { run, recorded } = yield* runner.run("cdc_to_star")
      const { items, facts } = yield* counts
      assert.isTrue(recorded)
      assert.strictEqual(run.status, "succeeded")
      assert.strictEqual(facts, items)
      const [history] = yield* (yield* RunHistory).recent({ pipeline: "cdc_to_star" })
      assert.strictEqual(history!.runId, run.runId)
      assert.strictEqual(history!.version, yield* Pipeline.version(cdcToStar))
      assert.strictEqual(history!.trigger, "manual")
      assert.isAbove(history!.rowsRead, items)
      assert.isAtLeast(history!.rowsWritten, items)
      assert.strictEqual(history!.lagEvents, 0)
      assert.deepStrictEqual(
        history!.steps.map((s) => [s.step, s.status]),
        [
          ["read_watermark", "succeeded"],
          ["read_bound", "succeeded"],
          ["take_read_ahead", "succeeded"],
          ["extract_changes", "succeeded"],
          ["transform_changes", "succeeded"],
          ["read_ahead", "succeeded"],
          ["load_star", "succeeded"],
          ["measure_lag", "succeeded"],
          ["report_batch", "succeeded"]
        ].sort(
          (a, b) => history!.steps.findIndex((s) => s.step === a[0]) - history!.steps.findIndex((s) => s.step === b[0])
        )
      )
      // Nothing left: the next run reads nothing and changes nothing.
      const again = yield* runner.run("cdc_to_star")
      assert.strictEqual(again.run.rowsRead, 0)
      assert.strictEqual((yield* counts).facts, items)
    }).pipe(Effect.provide(runnerOver()))
  )

  it.live("retries a failing step, then records the run as failed with the step's error", () => {
    class Flaky extends Schema.TaggedError<Flaky>()("Flaky", { message: Schema.String, isRetryable: Schema.Boolean }) {}
    let attempts = 0
    const broken = Step.make("read_counter", {
      input: {},
      output: Schema.Number,
      retry: Schedule.recurs(2),
      run: () =>
        Effect.suspend(() => {
          attempts++
          return Effect.fail(new Flaky({ message: "connection reset", isRetryable: true }))
        })
    })
    const pipeline = Pipeline.make("always_failing", {
      output: Step.source(broken),
      summary: () => ({ rowsRead: 0, rowsWritten: 0, more: false })
    })
    return Effect.gen(function* () {
      const { run } = yield* (yield* Runner).run("always_failing")
      assert.strictEqual(attempts, 3)
      assert.strictEqual(run.status, "failed")
      const [history] = yield* (yield* RunHistory).recent({ pipeline: "always_failing" })
      assert.strictEqual(history!.status, "failed")
      assert.match(history!.error!, /Step read_counter of always_failing failed after 3 attempt\(s\): connection reset/)
      assert.deepStrictEqual(
        history!.steps.map((s) => [s.step, s.attempts, s.status]),
        [["read_counter", 3, "failed"]]
      )
    }).pipe(Effect.provide(runnerOver(new Map([["always_failing", { pipeline, schedule: "1 hour" }]]))))
  })

  it.live("a NOTIFY from a new order wakes cdc_to_star, which loads it without waiting for its schedule", () =>
    Effect.gen(function* () {
      const runner = yield* Runner
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provideService(Runner, runner))
      // The start-up tick runs first; after it, only a notification can wake the pipeline for an hour.
      yield* eventually(
        runner.status().pipe(
          Effect.orDie,
          Effect.map((s) => s.pipelines[0]!.lastCheckAt ?? undefined)
        ),
        "the first scheduled check"
      )
      yield* placeOrders(3)
      const run = yield* eventually(
        (yield* RunHistory).recent({ pipeline: "cdc_to_star" }).pipe(
          Effect.orDie,
          Effect.map((runs) => runs.find((r) => r.trigger === "notify"))
        ),
        "a run woken by NOTIFY"
      )
      assert.strictEqual(run.status, "succeeded")
      const { items, facts } = yield* counts
      assert.strictEqual(facts, items)
      // Caught up and waiting again: notifications are armed for the next write.
      const oltp = yield* OltpSql
      yield* eventually(
        oltp<{ armed: boolean }>`SELECT armed FROM change_log_wakeup`.pipe(
          Effect.orDie,
          Effect.map((rows) => (rows[0]!.armed ? true : undefined))
        ),
        "the wake-up to be armed again"
      )
      yield* placeOrders(2, { salt: 3 })
      yield* eventually(
        counts.pipe(Effect.map((c) => (c.facts === c.items && c.items > items ? true : undefined))),
        "the second orders to be loaded on their notification"
      )
      yield* Scope.close(scope, Exit.void)
      // Stopped: nobody waits, so captures stop notifying.
      const [flag] = yield* oltp<{ armed: boolean }>`SELECT armed FROM change_log_wakeup`.pipe(Effect.orDie)
      assert.isFalse(flag!.armed)
    }).pipe(Effect.provide(runnerOver(cdcOnly, { schedules: hourly })))
  )

  it.live("a stop lets the batch in flight commit in full before the runner ends", () =>
    Effect.gen(function* () {
      yield* placeOrders(3000)
      const runner = yield* Runner
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provideService(Runner, runner))
      yield* eventually(
        runner.status().pipe(
          Effect.orDie,
          Effect.map((s) => (s.pipelines[0]!.running ? true : undefined))
        ),
        "the first batch to start"
      )
      yield* Scope.close(scope, Exit.void)
      // The stop returned only after the batch committed: all of it is in, and recorded.
      const { items, facts } = yield* counts
      assert.strictEqual(facts, items)
      const runs = yield* (yield* RunHistory).recent({ pipeline: "cdc_to_star" })
      assert.strictEqual(runs.length, 1)
      assert.strictEqual(runs[0]!.status, "succeeded")
    }).pipe(Effect.provide(runnerOver(cdcOnly, { schedules: hourly })))
  )

  it.live("a stop with no grace rolls the batch in flight back: all of it or none of it, never half", () =>
    Effect.gen(function* () {
      yield* placeOrders(3000)
      const runner = yield* Runner
      const scope = yield* Scope.make()
      yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provideService(Runner, runner))
      yield* eventually(
        runner.status().pipe(
          Effect.orDie,
          Effect.map((s) => (s.pipelines[0]!.running ? true : undefined))
        ),
        "the first batch to start"
      )
      yield* Scope.close(scope, Exit.void)
      const { items, facts } = yield* counts
      const olap = yield* OlapSql
      const [watermark] = yield* olap<{ batches: number }>`
        SELECT batches::int FROM pipeline_watermark WHERE pipeline = 'cdc_to_star'`.pipe(Effect.orDie)
      assert.isTrue(
        (facts === 0 && watermark!.batches === 0) || (facts === items && watermark!.batches === 1),
        `facts ${facts} of ${items} items, ${watermark!.batches} batch(es) committed`
      )
    }).pipe(Effect.provide(runnerOver(cdcOnly, { schedules: hourly, stopGrace: Duration.zero })))
  )

  it.live("an order reaches the marts with no models run by hand: warehouse_models runs after the load", () =>
    Effect.gen(function* () {
      const runner = yield* Runner
      const scope = yield* stoppedAtTheEnd
      yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provideService(Runner, runner))
      const [cdc, models] = runner.pipelines
      assert.strictEqual(models!.pipeline.name, "warehouse_models")
      assert.strictEqual(models!.after?.pipeline, cdc!.pipeline.name)
      // The start-up ticks: the load finds nothing; the models run builds every model (none was built).
      yield* eventually(
        runner.status().pipe(
          Effect.orDie,
          Effect.map((s) => (s.pipelines.every((p) => p.lastCheckAt !== null) ? true : undefined))
        ),
        "the first scheduled check of both pipelines"
      )
      yield* placeOrders(3)
      const run = yield* eventually(
        (yield* RunHistory).recent({ pipeline: "warehouse_models" }).pipe(
          Effect.orDie,
          Effect.map((runs) => runs.find((r) => r.trigger === "after"))
        ),
        "a models run after the load"
      )
      assert.strictEqual(run.status, "succeeded", run.error ?? "")
      assert.isAbove(run.rowsRead, 0)
      assert.deepStrictEqual(
        run.steps.map((s) => s.step),
        ["load_models", "claim_changed_days", "build_models"]
      )
      const [truth] = yield* (yield* OltpSql)<{ orders: number; revenue: string }>`
        SELECT count(DISTINCT o.id)::int AS orders, sum(i.quantity * i.unit_price)::text AS revenue
        FROM orders o JOIN order_items i ON i.order_id = o.id`.pipe(Effect.orDie)
      const [marts] = yield* (yield* OlapSql)<{ orders: number; revenue: string }>`
        SELECT sum(orders)::int AS orders, sum(revenue)::text AS revenue FROM marts.mart_daily_sales`.pipe(Effect.orDie)
      assert.deepStrictEqual(marts, truth)
      const status = yield* runner.status().pipe(Effect.orDie)
      const state = status.pipelines.find((p) => p.name === "warehouse_models")!
      assert.match(state.schedule, /^every 1 hour \+ after cdc_to_star wrote rows/)
      assert.isNotNull(state.lag)
      // Stops as usual, with the models' worker too.
      yield* Scope.close(scope, Exit.void)
    }).pipe(
      Effect.scoped,
      Effect.provide(
        runnerOver(undefined, {
          schedules: new Map([
            ["cdc_to_star", everyHour],
            ["warehouse_models", everyHour]
          ]),
          afterIntervals: new Map([["warehouse_models", Duration.zero]])
        })
      )
    )
  )

  it.live("a burst of loads leaves at most one follower run pending, and never runs two at once", () =>
    Effect.gen(function* () {
      // `loads` writes a row on each of its runs while `writes` lasts; `follows` runs after it and waits to be released.
      let writes = 0
      let written = 0
      let running = 0
      let mostAtOnce = 0
      const started = yield* Queue.unbounded<number>()
      const release = yield* Queue.unbounded<void>()
      const load = Step.make("load_rows", {
        input: {},
        output: Schema.Number,
        run: () =>
          Effect.sync(() => {
            if (writes === 0) return 0
            writes--
            written++
            return 1
          })
      })
      const follow = Step.make("follow_rows", {
        input: {},
        output: Schema.Number,
        run: () =>
          Effect.gen(function* () {
            running++
            mostAtOnce = Math.max(mostAtOnce, running)
            yield* Queue.offer(started, written)
            yield* Queue.take(release)
            running--
            return 1
          })
      })
      const loads = Pipeline.make("loads", {
        output: Step.source(load),
        summary: (n) => ({ rowsRead: n, rowsWritten: n, more: false })
      })
      const follows = Pipeline.make("follows", {
        output: Step.source(follow),
        summary: (n) => ({ rowsRead: n, rowsWritten: 0, more: false })
      })
      const registry = new Map<string, Registered>([
        ["loads", { pipeline: loads, schedule: "20 millis" }],
        ["follows", { pipeline: follows, schedule: "1 hour", after: { pipeline: "loads", minInterval: "0 millis" } }]
      ])
      yield* Effect.gen(function* () {
        const runner = yield* Runner
        const scope = yield* stoppedAtTheEnd
        yield* Layer.buildWithScope(RunnerSchedules, scope).pipe(Effect.provideService(Runner, runner))
        // Its start-up tick: held while twenty loads write rows, each waking it.
        assert.strictEqual(yield* Queue.take(started), 0)
        writes = 20
        yield* eventually(
          Effect.sync(() => (written === 20 ? true : undefined)),
          "twenty loads"
        )
        yield* Queue.offer(release, undefined)
        // The twenty wake-ups folded into one run…
        assert.strictEqual(yield* Queue.take(started), 20)
        yield* Queue.offer(release, undefined)
        // …and no other is pending: the next run is the one the next load causes.
        writes = 1
        assert.strictEqual(yield* Queue.take(started), 21)
        yield* Queue.offer(release, undefined)
        yield* Scope.close(scope, Exit.void)
        assert.strictEqual(mostAtOnce, 1)
        const runs = yield* (yield* RunHistory).recent({ pipeline: "follows" })
        assert.deepStrictEqual(
          runs.map((r) => r.trigger),
          ["after", "after", "schedule"]
        )
      }).pipe(Effect.provide(runnerOver(registry, { schedules: new Map(), afterIntervals: new Map() })))
    }).pipe(Effect.scoped, Effect.timeout("60 seconds"))
  )

  it.live("refuses to start against a database whose migrations differ from the shipped ones, naming both", () =>
    Effect.gen(function* () {
      const olap = yield* OlapSql
      const [last] = yield* olap<{ version: number; script: string }>`
        SELECT version, script FROM brewlytics_schema_history ORDER BY version DESC LIMIT 1`.pipe(Effect.orDie)
      yield* olap`DELETE FROM brewlytics_schema_history WHERE version = ${last!.version}`.pipe(Effect.orDie)
      const [previous] = yield* olap<{ version: number }>`
        SELECT max(version)::int AS version FROM brewlytics_schema_history`.pipe(Effect.orDie)
      const missing = yield* Effect.flip(Layer.build(Runner.layer).pipe(Effect.scoped))
      assert.strictEqual(missing.reason._tag, "MigrationsDiffer")
      assert.strictEqual(
        missing.message,
        `The OLAP database is at V${previous!.version}, this build ships V${last!.version} (${last!.script} not applied): run \`brewlytics migrate\` first.`
      )
      yield* olap`INSERT INTO brewlytics_schema_history (version, description, script, checksum, execution_time_ms)
        VALUES (99, 'future', 'V99__future.sql', 'x', 0)`.pipe(Effect.orDie)
      const unknown = yield* Effect.flip(Layer.build(Runner.layer).pipe(Effect.scoped))
      assert.match(
        unknown.message,
        /OLAP database has migration V99 \(V99__future\.sql\) applied, which this build does not ship/
      )
    }).pipe(
      Effect.provide(
        Layer.mergeAll(RunHistory.layer, DeadLetters.layer, CdcPrefetch.layer).pipe(
          Layer.provideMerge(settings()),
          Layer.provideMerge(TestDatabases)
        )
      )
    )
  )

  it.live("serves its pipelines, their lag and the recent runs over HTTP", () =>
    Effect.gen(function* () {
      yield* placeOrders(5)
      yield* (yield* Runner).run("cdc_to_star")
      const server = yield* HttpServer.HttpServer
      const response = yield* (yield* HttpClient.HttpClient).get(`${HttpServer.formatAddress(server.address)}/status`)
      assert.strictEqual(response.status, 200)
      const body = (yield* response.json) as any
      assert.strictEqual(body.pipelines[0].name, "cdc_to_star")
      assert.strictEqual(body.pipelines[0].version, yield* Pipeline.version(cdcToStar))
      assert.strictEqual(body.pipelines[0].lag.events, 0)
      assert.strictEqual(body.recentRuns[0].status, "succeeded")
      assert.isAbove(body.recentRuns[0].rowsRead, 0)
    }).pipe(
      Effect.provide(
        RunnerStatusApp.pipe(
          Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0 })),
          Layer.provideMerge(runnerOver()),
          Layer.provideMerge(FetchHttpClient.layer)
        )
      )
    )
  )

  it.effect("RUNNER_HOST defaults to 127.0.0.1; the runner takes API_TOKEN as its token", () =>
    Effect.gen(function* () {
      const read = (env: Record<string, string>) =>
        Effect.provide(
          Effect.service(RunnerSettings),
          RunnerSettings.layer.pipe(Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env }))))
        )
      const defaults = yield* read({})
      assert.strictEqual(defaults.host, "127.0.0.1")
      assert.isTrue(Option.isNone(defaults.token))
      const set = yield* read({ RUNNER_HOST: "0.0.0.0", API_TOKEN: "s3cret" })
      assert.strictEqual(set.host, "0.0.0.0")
      assert.strictEqual(Option.map(set.token, Redacted.value).pipe(Option.getOrUndefined), "s3cret")
    })
  )

  const statusOn = (overrides: Partial<RunnerSettings["Service"]>) =>
    RunnerStatusHttp.pipe(
      Layer.provideMerge(runnerOver(undefined, overrides)),
      Layer.provideMerge(FetchHttpClient.layer)
    )

  it.live(
    "/status listens where RUNNER_HOST says: on 127.0.0.1 not on the machine's other addresses; 0.0.0.0 opens it",
    () =>
      Effect.gen(function* () {
        const other = externalAddress()
        const listening = Effect.map(
          HttpServer.HttpServer,
          (server) => new URL(HttpServer.formatAddress(server.address))
        )
        yield* Effect.gen(function* () {
          const url = yield* listening
          assert.strictEqual(url.hostname, "127.0.0.1")
          assert.isTrue(yield* Effect.promise(() => accepts("127.0.0.1", Number(url.port))))
          if (Option.isSome(other)) assert.isFalse(yield* Effect.promise(() => accepts(other.value, Number(url.port))))
        }).pipe(Effect.provide(statusOn({ host: "127.0.0.1" })))
        yield* Effect.gen(function* () {
          const url = yield* listening
          assert.strictEqual(url.hostname, "0.0.0.0")
          if (Option.isSome(other)) assert.isTrue(yield* Effect.promise(() => accepts(other.value, Number(url.port))))
        }).pipe(Effect.provide(statusOn({ host: "0.0.0.0" })))
      })
  )

  it.live("with API_TOKEN set, /status answers 401 without the token and 200 with it", () =>
    Effect.gen(function* () {
      const server = yield* HttpServer.HttpServer
      const client = yield* HttpClient.HttpClient
      const url = `${HttpServer.formatAddress(server.address)}/status`
      const get = (headers: Record<string, string>) =>
        client.execute(HttpClientRequest.get(url).pipe(HttpClientRequest.setHeaders(headers)))
      for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: "runner-s3cret" }]) {
        const refused = yield* get(headers)
        assert.strictEqual(refused.status, 401)
        assert.strictEqual(((yield* refused.json) as any).code, "unauthorized")
      }
      const ok = yield* get({ authorization: "Bearer runner-s3cret" })
      assert.strictEqual(ok.status, 200)
      assert.strictEqual(((yield* ok.json) as any).pipelines[0].name, "cdc_to_star")
    }).pipe(Effect.provide(statusOn({ token: Option.some(Redacted.make("runner-s3cret")) })))
  )

  it.live("a backfill re-derives the facts of its business dates from OLTP, and only those", () =>
    Effect.gen(function* () {
      yield* placeOrders(30, { at: "2026-11-10T18:00:00Z" })
      yield* placeOrders(30, { at: "2026-11-20T18:00:00Z", salt: 1 })
      const runner = yield* Runner
      yield* runner.run("cdc_to_star")
      const oltp = yield* OltpSql
      const olap = yield* OlapSql
      // Damage the warehouse: facts gone, source rows wrong, a row OLTP never had.
      yield* olap`DELETE FROM fact_sales`.pipe(Effect.orDie)
      yield* olap`UPDATE raw_order_items SET quantity = quantity + 1`.pipe(Effect.orDie)
      yield* olap`INSERT INTO raw_order_items (order_item_id, order_id, product_id, quantity, unit_price)
        SELECT 999999, order_id, product_id, 5, 1 FROM raw_order_items
        WHERE order_id = (SELECT min(order_id) FROM raw_orders WHERE order_time < '2026-11-11') LIMIT 1`.pipe(
        Effect.orDie
      )
      let runs = 0
      while (true) {
        const { run, more } = yield* runner.run("cdc_to_star", {
          params: { _tag: "Backfill", from: "2026-11-01", to: "2026-11-12" },
          trigger: "backfill"
        })
        assert.strictEqual(run.status, "succeeded", run.error ?? "")
        runs++
        if (!more) break
      }
      const perOrder = `SELECT order_id::text, count(*)::int AS items, sum(quantity)::int AS units`
      const truth = yield* oltp<{ order_id: string; items: number; units: number; revenue: string }>`
        SELECT o.id::text AS order_id, count(*)::int AS items, sum(i.quantity)::int AS units,
               sum(i.quantity * i.unit_price)::text AS revenue
        FROM orders o JOIN order_items i ON i.order_id = o.id
        WHERE (o.order_time AT TIME ZONE 'UTC')::date <= '2026-11-12' GROUP BY 1 ORDER BY 1`.pipe(Effect.orDie)
      const facts = yield* olap<{ order_id: string; items: number; units: number; revenue: string }>`
        SELECT order_id::text, count(*)::int AS items, sum(quantity)::int AS units, sum(total)::text AS revenue
        FROM fact_sales GROUP BY 1 ORDER BY 1`.pipe(Effect.orDie)
      assert.isAbove(truth.length, 0)
      assert.deepStrictEqual(facts, truth, perOrder)
      const [recorded] = yield* (yield* RunHistory).recent({ pipeline: "cdc_to_star" })
      assert.strictEqual(recorded!.trigger, "backfill")
      assert.deepStrictEqual(recorded!.params, { _tag: "Backfill", from: "2026-11-01", to: "2026-11-12" })
      assert.isAtLeast(runs, 1)
    }).pipe(Effect.provide(runnerOver()))
  )
})
