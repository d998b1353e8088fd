import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { EmbeddedPostgres, serverUrl } from "../EmbeddedPostgres.ts"
import { migrate } from "../Migrator.ts"
import { DatabaseSettings } from "../Settings.ts"

export const TEMPLATES = { oltp: "brewlytics_oltp_template", olap: "brewlytics_olap_template" } as const

export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

/** An IPv4 address of this machine other than loopback, if it has one: what a listener on 127.0.0.1 must not answer. */
export const externalAddress = (): Option.Option<string> =>
  Option.fromNullishOr(
    Object.values(Os.networkInterfaces())
      .flat()
      .find((a) => a !== undefined && a.family === "IPv4" && !a.internal)?.address
  )

/** Whether a TCP connection to `host`:`port` is accepted. */
export const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect({ host, port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

/** Settings for an embedded server in its own folder: what tests use instead of `.brewlytics/`. */
export const embeddedSettings = (dataDir: string, port: number) =>
  Layer.succeed(DatabaseSettings, {
    oltpUrl: Option.none(),
    olapUrl: Option.none(),
    dataDir,
    embeddedPort: port,
    embeddedPassword: Redacted.make("brewlytics-test"),
    poolSize: 4
  })

const withAdmin = <A, E>(adminUrl: string, f: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  PgClient.make({ url: Redacted.make(adminUrl), maxConnections: 1 }).pipe(
    Effect.flatMap(f),
    Effect.scoped,
    Effect.provide(Reactivity.layer)
  )

const replaceUrlDatabase = (url: string, database: string) => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** (Re)creates a migrated template database for each target. */
const makeTemplates = (adminUrl: string) =>
  Effect.forEach(["oltp", "olap"] as const, (target) =>
    Effect.gen(function* () {
      const name = TEMPLATES[target]
      yield* withAdmin(adminUrl, (sql) =>
        Effect.gen(function* () {
          yield* sql`DROP DATABASE IF EXISTS ${sql(name)} WITH (FORCE)`
          yield* sql`CREATE DATABASE ${sql(name)}`
        })
      )
      yield* PgClient.make({ url: Redacted.make(replaceUrlDatabase(adminUrl, name)), maxConnections: 1 }).pipe(
        Effect.flatMap((sql) => migrate(sql, target)),
        Effect.scoped,
        Effect.provide(Reactivity.layer)
      )
    })
  )

/**
 * The test run's PostgreSQL server for the scope, with migrated template
 * databases made: an existing one with TEST_DATABASE_URL, a testcontainers one
 * with BREWLYTICS_TEST_DB=testcontainers, else an embedded one in a fresh
 * temporary folder. Succeeds with its admin URL.
 */
export const startTestServer = Effect.fn("TestServer.start")(function* () {
  const external = process.env.TEST_DATABASE_URL
  let adminUrl: string
  if (external !== undefined && external !== "") {
    adminUrl = external
  } else if (process.env.BREWLYTICS_TEST_DB === "testcontainers") {
    // Needs a Docker engine; CI here has none, so this path is not exercised by CI.
    const { PostgreSqlContainer } = yield* Effect.promise(() => import("@testcontainers/postgresql"))
    const container = yield* Effect.acquireRelease(
      Effect.promise(() => new PostgreSqlContainer("postgres:18").start()),
      (container) => Effect.promise(() => container.stop())
    )
    adminUrl = container.getConnectionUri()
  } else {
    const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-test-"))
    Fs.chmodSync(dataDir, 0o755)
    // Finalizers run last-in first-out: the folder goes after the server has stopped.
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dataDir, { recursive: true, force: true })))
    const port = yield* Effect.promise(freePort)
    const server = yield* Layer.build(EmbeddedPostgres.layer.pipe(Layer.provide(embeddedSettings(dataDir, port)))).pipe(
      Effect.map((ctx) => Context.get(ctx, EmbeddedPostgres))
    )
    adminUrl = Redacted.value(serverUrl(server, "postgres"))
  }
  yield* makeTemplates(adminUrl)
  return adminUrl
})
