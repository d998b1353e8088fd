import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { livePostmaster, OLTP_DATABASE } from "@brewlytics/db/EmbeddedPostgres.ts"
import { freePort } from "@brewlytics/db/testing/TestServer.ts"
import { PgClient } from "@effect/sql-pg"
import { Duration, Effect, Exit, Redacted, Schedule } from "effect"
import { HttpClient, HttpClientRequest } from "effect/http"
import * as Reactivity from "effect/reactivity/Reactivity"

const MAIN = Path.join(import.meta.dirname, "../src/main.ts")
const PASSWORD = "brewlytics-cli-test"

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
 * Posts orders to `place`'s API until interrupted: `workers` requests at a time,
 * each worker pausing `spacing` between its requests, over the client's
 * keep-alive connections. Every request carries an Idempotency-Key of its own
 * (`<prefix>-<worker>-<n>`), the marker the database keeps beside its order;
 * `outcomes` gets the key when it is sent and its outcome when it ends.
 */
export const orderLoad = (
  place: Place,
  outcomes: Map<string, Outcome | { readonly _tag: "Sent" }>,
  options: { readonly prefix: string; readonly workers: number; readonly spacing: Duration.Input }
) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const worker = (w: number) =>
      Effect.gen(function* () {
        for (let n = 0; ; n++) {
          const key = `${options.prefix}-${w}-${n}`
          outcomes.set(key, { _tag: "Sent" })
          const exit = yield* client
            .execute(
              HttpClientRequest.post(`${place.apiUrl}/orders/new`).pipe(
                HttpClientRequest.setHeader("idempotency-key", key),
                HttpClientRequest.bodyJsonUnsafe({
                  customer_id: 1 + ((w + n) % 5),
                  items: [{ product_id: 1 + (n % 7), quantity: 1 + (n % 3) }]
                })
              )
            )
            .pipe(
              Effect.tap((response) => response.text),
              Effect.exit
            )
          outcomes.set(key, Exit.isSuccess(exit) ? { _tag: "Answered", status: exit.value.status } : { _tag: "Failed" })
          yield* Effect.sleep(options.spacing)
        }
      })
    return yield* Effect.forEach(
      Array.from({ length: options.workers }, (_, w) => w),
      worker,
      {
        concurrency: "unbounded",
        discard: true
      }
    )
  })

/** Keys answered 200. */
export const answered200 = (outcomes: ReadonlyMap<string, Outcome | { readonly _tag: "Sent" }>) =>
  [...outcomes].filter(([, o]) => o._tag === "Answered" && o.status === 200).map(([key]) => key)

/** The Idempotency-Keys whose order is in the OLTP database of `place`'s embedded server. */
export const keysWithOrders = (place: Place, prefix: string) =>
  Effect.gen(function* () {
    const sql = yield* PgClient.make({
      url: Redacted.make(`postgres://postgres:${PASSWORD}@127.0.0.1:${place.pgPort}/${OLTP_DATABASE}`),
      maxConnections: 1
    })
    const rows = yield* sql<{ key: string }>`
      SELECT k.key FROM idempotency_keys k JOIN orders o ON o.id = k.order_id WHERE k.key LIKE ${`${prefix}-%`}`
    return rows.map((r) => r.key)
  }).pipe(Effect.scoped, Effect.provide(Reactivity.layer), Effect.orDie)

export const timeout = (duration: Duration.Input, what: string) =>
  Effect.timeoutOrElse({
    duration,
    orElse: () => Effect.die(new Error(`${what} took over ${Duration.format(Duration.fromInputUnsafe(duration))}`))
  })
