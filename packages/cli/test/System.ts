import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { EmbeddedPostgres, livePostmaster, OLTP_DATABASE, serverUrl } from "@brewlytics/db/EmbeddedPostgres.ts"
import { embeddedSettings, freePort } from "@brewlytics/db/testing/TestServer.ts"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { PgClient } from "@effect/sql-pg"
import { Context, Duration, Effect, Exit, Layer, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as Reactivity from "effect/reactivity/Reactivity"

const MAIN = Path.join(import.meta.dirname, "../src/main.ts")
// The password `embeddedSettings` gives, so that a test can start a stopped system's server itself.
const PASSWORD = "brewlytics-test"

/** A system of its own for one test: a data folder and free ports, removed (server stopped) when the scope closes. */
export interface Place {
  readonly dataDir: string
  readonly pgPort: number
  readonly apiPort: number
  readonly runnerPort: number
  readonly apiUrl: string
  readonly env: Record<string, string>
}

export const makePlace = (env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const dataDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-cli-"))
      Fs.chmodSync(dataDir, 0o755)
      const [pgPort, apiPort, runnerPort] = [await freePort(), await freePort(), await freePort()]
      const place: Place = {
        dataDir,
        pgPort,
        apiPort,
        runnerPort,
        apiUrl: `http://127.0.0.1:${apiPort}`,
        env: {
          BREWLYTICS_DATA_DIR: dataDir,
          EMBEDDED_PG_PORT: String(pgPort),
          API_PORT: String(apiPort),
          RUNNER_PORT: String(runnerPort),
          EMBEDDED_PG_PASSWORD: PASSWORD,
          DATABASE_POOL_SIZE: "4",
          // These tests count their own orders: no simulated café beside them.
          SIMULATE: "off",
          ...env
        }
      }
      return place
    }),
    // Whatever a test left running on the folder (a killed start's server) is stopped with it.
    (place) =>
      Effect.gen(function* () {
        const running = livePostmaster(Path.join(place.dataDir, "pg"))
        if (running._tag === "Some") {
          process.kill(running.value.pid, "SIGINT")
          yield* Effect.sync(() => livePostmaster(Path.join(place.dataDir, "pg"))).pipe(
            Effect.repeat({ until: (r) => r._tag === "None", schedule: Schedule.spaced("100 millis"), times: 300 })
          )
        }
        Fs.rmSync(place.dataDir, { recursive: true, force: true })
      })
  )

/** A `brewlytics` process: its output so far, and how it ended. */
export interface CliProcess {
  readonly child: ChildProcess
  readonly output: () => string
  readonly exited: Effect.Effect<{ readonly code: number | null; readonly signal: string | null }>
}

/** `brewlytics <args>` in a child process on `place`; killed (-9) if still running when the scope closes. */
export const cli = (place: Place, args: ReadonlyArray<string>, env: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.sync((): CliProcess => {
      const clean = { ...process.env } as Record<string, string>
      delete clean.OLTP_DATABASE_URL
      delete clean.OLAP_DATABASE_URL
      const child = spawn(process.execPath, [MAIN, ...args], {
        env: { ...clean, ...place.env, ...env },
        stdio: ["ignore", "pipe", "pipe"]
      })
      let output = ""
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString()
      })
      child.stderr!.on("data", (chunk: Buffer) => {
        output += chunk.toString()
      })
      const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal }))
      )
      return { child, output: () => output, exited: Effect.promise(() => ended) }
    }),
    (p) =>
      p.child.exitCode === null && p.child.signalCode === null
        ? Effect.andThen(
            Effect.sync(() => p.child.kill("SIGKILL")),
            p.exited
          )
        : Effect.void
  )

/** Waits until the API answers `/ready`, failing with the process's output if it exits or takes over 90 s. */
export const waitReady = (place: Place, started: CliProcess) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    yield* Effect.suspend(() =>
      started.child.exitCode !== null || started.child.signalCode !== null
        ? Effect.die(new Error(`brewlytics exited before it was ready:\n${started.output()}`))
        : client.get(`${place.apiUrl}/ready`).pipe(
            Effect.flatMap((r) => (r.status === 200 ? Effect.void : Effect.fail("not ready" as const))),
            Effect.catchTag("HttpClientError", () => Effect.fail("not ready" as const))
          )
    ).pipe(
      Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 450 }),
      Effect.mapError(() => new Error(`brewlytics was not ready in 90 s:\n${started.output()}`)),
      Effect.orDie
    )
  })

/** What became of one order request, by its Idempotency-Key. */
export type Outcome = { readonly _tag: "Answered"; readonly status: number } | { readonly _tag: "Failed" }

/**
 * Posts an order to `place`'s API every `every` until interrupted, over the
 * client's keep-alive connections (`keepAliveClient`), without waiting for the
 * previous answers. Every request carries an Idempotency-Key of its own
 * (`<prefix>-<n>`), the marker the database keeps beside its order; `outcomes`
 * gets the key when it is sent and its outcome when it ends.
 */
export const orderLoad = (
  place: Place,
  outcomes: Map<string, Outcome | { readonly _tag: "Sent" }>,
  options: { readonly prefix: string; readonly every: Duration.Input }
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const post = (n: number) => {
      const key = `${options.prefix}-${n}`
      outcomes.set(key, { _tag: "Sent" })
      return client
        .execute(
          HttpClientRequest.post(`${place.apiUrl}/orders/new`).pipe(
            HttpClientRequest.setHeader("idempotency-key", key),
            HttpClientRequest.bodyJsonUnsafe({
              customer_id: 1 + (n % 5),
              items: [{ product_id: 1 + (n % 7), quantity: 1 + (n % 3) }]
            })
          )
        )
        .pipe(
          Effect.tap((response) => response.text),
          Effect.exit,
          Effect.map((exit) =>
            outcomes.set(
              key,
              Exit.isSuccess(exit) ? { _tag: "Answered", status: exit.value.status } : { _tag: "Failed" }
            )
          )
        )
    }
    for (let n = 0; ; n++) {
      yield* Effect.forkChild(post(n))
      yield* Effect.sleep(options.every)
    }
  })

/** An `HttpClient` over Node's `http` with a keep-alive agent, as a till's client would keep its connections. */
export const keepAliveClient = NodeHttpClient.layerNodeHttpOptions({ keepAlive: true, maxSockets: 10 })

/** Keys answered 200. */
export const answered200 = (outcomes: ReadonlyMap<string, Outcome | { readonly _tag: "Sent" }>) =>
  [...outcomes].filter(([, o]) => o._tag === "Answered" && o.status === 200).map(([key]) => key)

/** SQL on `place`'s OLTP database: through its running server, or one started here for it when the system is stopped. */
const withOltp = <A>(place: Place, f: (sql: PgClient.PgClient) => Effect.Effect<A, unknown>) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      EmbeddedPostgres.layer.pipe(Layer.provide(embeddedSettings(place.dataDir, place.pgPort)))
    )
    const sql = yield* PgClient.make({
      url: serverUrl(Context.get(context, EmbeddedPostgres), OLTP_DATABASE),
      maxConnections: 1
    })
    return yield* f(sql)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.orDie)

/** The Idempotency-Keys (starting `<prefix>-`) whose order is in `place`'s OLTP database. */
export const keysWithOrders = (place: Place, prefix: string) =>
  withOltp(place, (sql) =>
    sql<{ key: string }>`
      SELECT k.key FROM idempotency_keys k JOIN orders o ON o.id = k.order_id WHERE k.key LIKE ${`${prefix}-%`}`.pipe(
      Effect.map((rows) => rows.map((r) => r.key))
    )
  )

/**
 * A checkpoint, as a system that has run a while has had since its setup: the
 * first one after a fresh cluster's two databases were created syncs some 850
 * files (1.6 s on a shared test machine), which a stop would otherwise pay.
 */
export const checkpoint = (place: Place) => withOltp(place, (sql) => sql`CHECKPOINT`)

export const timeout = (duration: Duration.Input, what: string) =>
  Effect.timeoutOrElse({
    duration,
    orElse: () => Effect.die(new Error(`${what} took over ${Duration.format(Duration.fromInputUnsafe(duration))}`))
  })
