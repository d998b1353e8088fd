import { OltpSql } from "@brewlytics/db/Databases.ts"
import { assert, describe, layer } from "@effect/vitest"
import { Duration, Effect, Option, Redacted, Schedule } from "effect"
import { holdOrdersLock, live, postJson, runningOrderStatements, send, TestApi, tableCounts } from "./TestApi.ts"

const order = { customer_id: 1, items: [{ product_id: 1, quantity: 1 }] }

describe("operations", () => {
  layer(TestApi(), live)("probes, metrics and docs", (it) => {
    it.effect("/health is alive; /ready checks both databases and their migrations", () =>
      Effect.gen(function* () {
        const health = yield* send("/health")
        assert.deepStrictEqual([health.status, health.json], [200, { status: "ok" }])
        const ready = yield* send("/ready")
        assert.strictEqual(ready.status, 200, ready.text)
        assert.strictEqual(ready.json.status, "ready")
        assert.isAtLeast(ready.json.oltp_migration, 3)
      })
    )

    it.effect("/ready is a 503 naming the database when its migrations are behind", () =>
      Effect.gen(function* () {
        const sql = yield* OltpSql
        yield* sql`UPDATE brewlytics_schema_history SET version = -version WHERE version = (SELECT max(version) FROM brewlytics_schema_history)`
        const ready = yield* send("/ready")
        yield* sql`UPDATE brewlytics_schema_history SET version = -version WHERE version < 0`
        assert.strictEqual(ready.status, 503, ready.text)
        assert.strictEqual(ready.json.code, "migrations_pending")
        assert.include(ready.json.message, "OLTP")
      })
    )

    it.effect("/metrics counts requests by route template and status, with a latency histogram", () =>
      Effect.gen(function* () {
        yield* postJson("/orders/new", order)
        yield* send("/customers/123456")
        const metrics = yield* send("/metrics")
        assert.strictEqual(metrics.status, 200)
        assert.match(metrics.text, /http_requests_total\{[^}]*route="\/orders\/new"[^}]*status="200"[^}]*\} [1-9]/)
        assert.match(metrics.text, /http_requests_total\{[^}]*route="\/customers\/:id"[^}]*status="404"[^}]*\} [1-9]/)
        assert.match(metrics.text, /http_request_duration_seconds_bucket\{[^}]*le="0.05"/)
      })
    )

    it.effect("OpenAPI 3.1 at /openapi.json covers every route; docs at /docs", () =>
      Effect.gen(function* () {
        const spec = yield* send("/openapi.json")
        assert.strictEqual(spec.status, 200)
        assert.match(spec.json.openapi, /^3\.1/)
        for (const path of [
          "/orders/new",
          "/products/new",
          "/customers/new",
          "/employees/active",
          "/orders/{id}/cancel"
        ]) {
          assert.property(spec.json.paths, path)
        }
        const docs = yield* send("/docs")
        assert.strictEqual(docs.status, 200)
        assert.include(docs.text, "<html")
      })
    )
  })

  layer(TestApi({ token: Option.some(Redacted.make("s3cret-till-token")) }), live)("with API_TOKEN set", (it) => {
    it.effect("write routes need the bearer token (401 otherwise, nothing written); reads stay open", () =>
      Effect.gen(function* () {
        const before = yield* tableCounts
        for (const headers of [
          {},
          { authorization: "Bearer wrong" },
          { authorization: "Bearer s3cret-till-token2" },
          { authorization: "s3cret-till-token" }
        ]) {
          const res = yield* postJson("/orders/new", order, headers)
          assert.strictEqual(res.status, 401, res.text)
          assert.strictEqual(res.json.code, "unauthorized")
        }
        assert.deepStrictEqual(yield* tableCounts, before)
        const ok = yield* postJson("/orders/new", order, { authorization: "Bearer s3cret-till-token" })
        assert.strictEqual(ok.status, 200, ok.text)
        assert.strictEqual((yield* send("/employees/active")).status, 200)
      })
    )
    it.effect("/metrics needs the same token: 401 without it, 200 with it", () =>
      Effect.gen(function* () {
        for (const headers of [{}, { authorization: "Bearer wrong" }, { authorization: "s3cret-till-token" }]) {
          const res = yield* send("/metrics", { headers })
          assert.strictEqual(res.status, 401, res.text)
          assert.strictEqual(res.json.code, "unauthorized")
        }
        const ok = yield* send("/metrics", { headers: { authorization: "Bearer s3cret-till-token" } })
        assert.strictEqual(ok.status, 200, ok.text)
        assert.match(ok.text, /http_requests_total\{[^}]*route="\/metrics"[^}]*status="401"[^}]*\} [1-9]/)
      })
    )
  })

  layer(TestApi({ requestTimeout: Duration.millis(400) }), live)("when the database is slow", (it) => {
    it.effect("requests fail fast with 503, their statements are cancelled, and the pool recovers", () =>
      Effect.gen(function* () {
        const sql = yield* OltpSql
        // Holds a lock every order insert needs, for as long as the test wants.
        const lock = yield* holdOrdersLock(sql)
        // More requests than the pool has connections: some wait on the lock, the rest on the pool.
        const results = yield* Effect.forEach(
          Array.from({ length: 12 }, () => 0),
          () => postJson("/orders/new", order),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(
          results.map((r) => [r.status, r.json.code]),
          results.map(() => [503, "timeout"])
        )
        // Cancellation is asynchronous (a CancelRequest on a side connection), so wait for it, bounded,
        // while the lock is still held: a statement that is gone now was cancelled, not completed.
        const running = runningOrderStatements(sql)
        const left = yield* running.pipe(
          Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("20 millis") }),
          Effect.timeoutOrElse({ duration: "5 seconds", orElse: () => running })
        )
        assert.strictEqual(left, 0, "a timed-out request left its statement running")
        yield* lock.release
        const ok = yield* postJson("/orders/new", order)
        assert.strictEqual(ok.status, 200, ok.text)
      })
    )
  })
})
