import { spawnSync } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { ownerAlive, processStartTime } from "../src/EmbeddedOwner.ts"
import { EmbeddedPostgres, livePostmaster, serverUrl } from "../src/EmbeddedPostgres.ts"
import { embeddedSettings, freePort } from "../src/testing/TestServer.ts"

const withServer = <A, E>(
  dataDir: string,
  port: number,
  f: (server: EmbeddedPostgres["Service"], sql: PgClient.PgClient) => Effect.Effect<A, E>
) =>
  Effect.gen(function* () {
    const ctx = yield* Layer.build(EmbeddedPostgres.layer.pipe(Layer.provide(embeddedSettings(dataDir, port))))
    const server = Context.get(ctx, EmbeddedPostgres)
    const sql = yield* PgClient.make({ url: serverUrl(server, "postgres"), maxConnections: 1 })
    return yield* f(server, sql)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer))

describe("EmbeddedPostgres", () => {
  // Live clock: the server start polls on real time.
  it.live(
    "creates a cluster, stops on scope close, restarts keeping its data, and attaches instead of starting twice",
    () =>
      Effect.gen(function* () {
        const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-embedded-"))
        Fs.chmodSync(dataDir, 0o755)
        const port = yield* Effect.promise(freePort)
        const clusterDir = Path.join(dataDir, "pg")

        const firstPid = yield* withServer(dataDir, port, (server, sql) =>
          Effect.gen(function* () {
            assert.isTrue(server.startedByUs)
            yield* sql`CREATE TABLE kept (v text)`
            yield* sql`INSERT INTO kept VALUES ('still here')`
            // A second user of the same folder attaches to the running server and leaves it running.
            yield* withServer(dataDir, port + 1, (attached, sql2) =>
              Effect.gen(function* () {
                assert.isFalse(attached.startedByUs)
                assert.strictEqual(attached.pid, server.pid)
                assert.strictEqual(attached.port, port)
                yield* sql2`SELECT 1`
              })
            )
            assert.isTrue(Option.isSome(livePostmaster(clusterDir)))
            yield* sql`SELECT 1`
            return server.pid
          })
        )
        assert.isTrue(Option.isNone(livePostmaster(clusterDir)), "the server stopped with its scope")

        const rows = yield* withServer(dataDir, port, (server, sql) =>
          Effect.gen(function* () {
            assert.isTrue(server.startedByUs)
            assert.notStrictEqual(server.pid, firstPid)
            return yield* sql<{ v: string }>`SELECT v FROM kept`
          })
        )
        assert.deepStrictEqual(
          rows.map((r) => r.v),
          ["still here"]
        )
        Fs.rmSync(dataDir, { recursive: true, force: true })
      }),
    { timeout: 30_000 }
  )

  it("tells a live owner from a dead one, and from a new process given its pid", () => {
    const started = processStartTime(process.pid)
    assert.isDefined(started)
    assert.isTrue(ownerAlive({ pid: process.pid, started }))
    assert.isTrue(ownerAlive({ pid: process.pid, started: undefined }), "no start time recorded: the pid alone decides")
    assert.isFalse(ownerAlive({ pid: process.pid, started: `${started}1` }), "same pid, another start: a reused pid")
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" })
    assert.isFalse(ownerAlive({ pid: Number(gone.stdout), started: undefined }), "an exited process")
  })

  it.live("says clearly when its port is taken by another program", () =>
    Effect.gen(function* () {
      const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-embedded-"))
      const busy = (yield* Effect.promise(() => import("node:net"))).createServer()
      const port = yield* Effect.promise(freePort)
      yield* Effect.promise(() => new Promise<void>((r) => busy.listen(port, "127.0.0.1", () => r())))
      const error = yield* Effect.flip(withServer(dataDir, port, () => Effect.void))
      busy.close()
      Fs.rmSync(dataDir, { recursive: true, force: true })
      assert.match(String(error.message), new RegExp(`Port ${port} is taken.*EMBEDDED_PG_PORT`))
    })
  )
})
