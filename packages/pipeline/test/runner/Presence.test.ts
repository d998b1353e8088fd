import { OlapSql } from "@brewlytics/db/Databases.ts"
import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { announceRunner, runnersNow } from "../../src/runner/Presence.ts"

const pipelines = [{ name: "cdc_to_star", version: "abc", schedule: "every 7s", notifyChannel: null }]

describe("the runners' records (OLAP V8)", () => {
  it.live("a runner is running from its announcement to the end of its scope, then stopped", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* runnersNow(), { running: [], last: undefined })
      const scope = yield* Scope.make()
      yield* announceRunner({ statusAt: "127.0.0.1:8001", pipelines }).pipe(Scope.provide(scope))
      const { running } = yield* runnersNow()
      assert.strictEqual(running.length, 1)
      assert.deepStrictEqual(running[0]!.pipelines, pipelines)
      assert.strictEqual(running[0]!.pid, process.pid)
      yield* Scope.close(scope, Exit.void)
      const after = yield* runnersNow()
      assert.deepStrictEqual(after.running, [])
      assert.isNotNull(after.last!.stoppedAt)
    }).pipe(Effect.provide(TestDatabases))
  )

  it.live("a runner whose heartbeat went stale without stopping (killed) is not taken for running", () =>
    Effect.gen(function* () {
      const sql = yield* OlapSql
      yield* sql`INSERT INTO pipeline_runners (host, pid, status_at, pipelines, started_at, heartbeat_at)
        VALUES ('elsewhere', 4242, '127.0.0.1:8001', '[]', now() - interval '2 minutes', now() - interval '1 minute')`
      const { running, last } = yield* runnersNow()
      assert.deepStrictEqual(running, [])
      assert.strictEqual(last!.pid, 4242)
      assert.isNull(last!.stoppedAt)
      assert.isAbove(last!.silentFor, 59)
    }).pipe(Effect.provide(TestDatabases))
  )
})
