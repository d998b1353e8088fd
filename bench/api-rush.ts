/**
 * API benchmark: the Monday-morning rush. Starts the API (as its own process,
 * so its peak RSS is its own) on a throwaway embedded PostgreSQL (or on
 * OLTP_DATABASE_URL/OLAP_DATABASE_URL when both are set), drives
 * `POST /orders/new` with autocannon (1–3 random items, random customers and
 * active products), then runs the very same order statement through pgbench
 * on the same database as the ceiling, and prints orders/s, p50/p99, errors,
 * peak RSS, and the ratio ours/pgbench.
 *
 *   npm run bench:api-rush -- --connections 64 --duration 20
 *
 * Goals on a 2-core machine: ratio ≥ 0.6, p99 ≤ 50 ms, zero errors, RSS ≤ 200 MB.
 */
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { orderStatement } from "@brewlytics/api/orders/Statement.ts"
import { DatabaseUrls, OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { DatabaseSettings, repoRoot } from "@brewlytics/db/Settings.ts"
import { embeddedSettings, freePort } from "@brewlytics/db/testing/TestServer.ts"
import type { NewOrder } from "@brewlytics/domain/api/Orders.ts"
import type { CustomerId, ProductId } from "@brewlytics/domain/Ids.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as PgTypes from "@effect/sql-pg/PgTypes"
import autocannon from "autocannon"
import { Console, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { Command, Flag } from "effect/cli"

const GOALS = { ratio: 0.6, p99Ms: 50, rssMb: 200 }

/** The bench's own databases: a throwaway embedded server unless both URLs are configured. */
const databases = Layer.unwrap(
  Effect.gen(function* () {
    const configured = yield* DatabaseSettings
    if (Option.isSome(configured.oltpUrl) && Option.isSome(configured.olapUrl)) {
      return Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
        Layer.provideMerge(DatabaseUrls.layer),
        Layer.provideMerge(Layer.succeed(DatabaseSettings, configured))
      )
    }
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-api-rush-"))
    Fs.chmodSync(dir, 0o755)
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
    const port = yield* Effect.promise(() => freePort())
    return Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
      Layer.provideMerge(DatabaseUrls.layer),
      Layer.provideMerge(embeddedSettings(dir, port))
    )
  })
).pipe(Layer.provide(DatabaseSettings.layer))

/** Peak resident set of a process, from the kernel's own high-water mark. */
const peakRssMb = (pid: number) => {
  const status = Fs.readFileSync(`/proc/${pid}/status`, "utf8")
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

/** CPU seconds a process has used so far (user + system), from /proc. */
const cpuSeconds = (pid: number) => {
  const fields = Fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (100 Hz on Linux)
}

/**
 * CPU seconds of a PostgreSQL server: the postmaster with the backends it has
 * reaped (cutime, cstime) and those still running (children by ppid).
 */
const serverCpuSeconds = (postmaster: number) =>
  Fs.readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .reduce((total, name) => {
      try {
        const fields = Fs.readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1]!.split(" ")
        const pid = Number(name)
        const own = (Number(fields[11]) + Number(fields[12])) / 100
        if (pid === postmaster) return total + own + (Number(fields[13]) + Number(fields[14])) / 100
        return Number(fields[1]) === postmaster ? total + own : total
      } catch {
        return total // the process ended meanwhile
      }
    }, 0)

/** Starts `brewlytics api` against the bench databases; resolves once it answers /health. */
const startApi = (env: Record<string, string>, port: number, profileDir: Option.Option<string>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      spawn(
        process.execPath,
        [
          ...Option.match(profileDir, { onNone: () => [], onSome: (dir) => ["--cpu-prof", `--cpu-prof-dir=${dir}`] }),
          Path.join(repoRoot, "packages/cli/src/main.ts"),
          "api"
        ],
        {
          env: { ...process.env, ...env, API_PORT: String(port) },
          stdio: ["ignore", "ignore", "inherit"]
        }
      )
    ),
    (child) =>
      Effect.callback<void>((resume) => {
        if (child.exitCode !== null) return resume(Effect.void)
        child.once("exit", () => resume(Effect.void))
        child.kill("SIGTERM")
      })
  ).pipe(
    Effect.tap(() =>
      Effect.tryPromise(() => fetch(`http://127.0.0.1:${port}/health`)).pipe(
        Effect.retry({ schedule: Schedule.spaced("200 millis"), times: 150 })
      )
    ),
    Effect.orDie
  )

const REPLICA = "-c session_replication_role=replica"

/** The same database, with triggers off for every session of the pool (URL `options`). */
const replicaUrl = (url: string) => {
  const u = new URL(url)
  u.searchParams.set("options", REPLICA)
  return u.toString()
}

const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(Math.random() * xs.length)]!

const randomOrder = (customers: ReadonlyArray<number>, products: ReadonlyArray<number>) => ({
  customer_id: pick(customers),
  items: Array.from({ length: 1 + Math.floor(Math.random() * 3) }, () => ({
    product_id: pick(products),
    quantity: 1 + Math.floor(Math.random() * 3)
  }))
})

const rush = (port: number, connections: number, seconds: number, body: () => string) =>
  Effect.callback<autocannon.Result>((resume) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/orders/new",
            headers: { "content-type": "application/json" },
            setupRequest: (request) => ({ ...request, body: body() })
          }
        ]
      },
      (error, result) => (error ? resume(Effect.die(error)) : resume(Effect.succeed(result)))
    )
    autocannon.track(instance, { renderResultsTable: false, renderLatencyTable: false })
    return Effect.sync(() => instance.stop())
  })

/**
 * The API's own order statement, with pgbench variables where the API binds
 * parameters: found by compiling it with sentinel values and matching them.
 */
const pgbenchScript = Effect.gen(function* () {
  const sql = yield* OltpSql
  const customers = yield* sql<{ id: bigint }>`SELECT id FROM customers ORDER BY id`
  const products = yield* sql<{ id: bigint }>`SELECT id FROM products WHERE active ORDER BY id`
  const sentinel: NewOrder = {
    customer_id: 900_001 as CustomerId,
    items: [{ product_id: 900_002 as ProductId, quantity: 3 }],
    payment_method: "card"
  }
  const [text, params] = orderStatement(sql, sentinel).compile()
  const bindings: Record<string, string> = {
    "[900002]": "(ARRAY[:p1, :p2, :p3]::bigint[])[1 : :n]",
    "[3]": "(ARRAY[:q1, :q2, :q3]::int[])[1 : :n]",
    "900001": ":c",
    null: "NULL",
    '"card"': "'card'"
  }
  // Typed parameters (SqlArrays.ts) are matched by their values; int8 values are bigints.
  const key = (param: unknown) =>
    JSON.stringify(PgTypes.isParameter(param) ? param.value : param, (_, v) => (typeof v === "bigint" ? Number(v) : v))
  let statement = text
  for (let i = params.length; i >= 1; i--) {
    const value = bindings[key(params[i - 1])]
    if (value === undefined) {
      return yield* Effect.die(
        `bench/api-rush does not know how to bind parameter $${i} (${key(params[i - 1])}) of the order statement: update its bindings.`
      )
    }
    statement = statement.replaceAll(`$${i}`, value)
  }
  const ids = (rows: ReadonlyArray<{ id: bigint }>) => rows.map((r) => String(r.id)).join(",")
  return [
    `\\set n random(1, 3)`,
    `\\set ci random(1, ${customers.length})`,
    ...[1, 2, 3].flatMap((k) => [`\\set pi${k} random(1, ${products.length})`, `\\set q${k} random(1, 3)`]),
    // pgbench has no arrays: pick ids by index from literal lists, in SQL.
    `SELECT (ARRAY[${ids(customers)}])[:ci] AS c, (ARRAY[${ids(products)}])[:pi1] AS p1, (ARRAY[${ids(products)}])[:pi2] AS p2, (ARRAY[${ids(products)}])[:pi3] AS p3 \\gset`,
    `${statement.replace(/\s+/g, " ").trim()};`,
    ""
  ].join("\n")
})

const pgbench = (url: string, script: string, connections: number, seconds: number, pgOptions?: string) =>
  Effect.gen(function* () {
    const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-pgbench-")), "order.sql")
    Fs.writeFileSync(file, script)
    const args = [
      "-n",
      "-M",
      "prepared",
      "-c",
      String(connections),
      "-j",
      "2",
      "-T",
      String(seconds),
      "-P",
      "5",
      "-r",
      "-f",
      file,
      url
    ]
    const output = yield* Effect.callback<string, Error>((resume) => {
      const child = spawn("pgbench", args, {
        stdio: ["ignore", "pipe", "pipe"],
        env: pgOptions === undefined ? process.env : { ...process.env, PGOPTIONS: pgOptions }
      })
      let out = ""
      child.stdout.on("data", (d) => {
        out += d
      })
      child.stderr.on("data", (d) => process.stderr.write(d))
      child.on("error", (e) =>
        resume(Effect.fail(new Error(`Cannot run pgbench (${e.message}): install Debian's postgresql-client.`)))
      )
      child.on("exit", (code) =>
        code === 0
          ? resume(Effect.succeed(out))
          : resume(Effect.fail(new Error(`pgbench exited with ${code}:\n${out}`)))
      )
    })
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1] ?? Number.NaN)
    const latency = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1] ?? Number.NaN)
    const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0)
    return { tps, latency, failed }
  })

const countOrders = Effect.gen(function* () {
  const sql = yield* OltpSql
  const [row] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM orders`
  return row!.n
})

const bench = Command.make(
  "api-rush",
  {
    connections: Flag.Int("connections").pipe(
      Flag.withDefault(64),
      Flag.withDescription("concurrent HTTP connections (and pgbench clients)")
    ),
    duration: Flag.Int("duration").pipe(
      Flag.withDefault(20),
      Flag.withDescription("seconds of load for each of the two runs")
    ),
    withoutChangeLog: Flag.Boolean("without-change-log").pipe(
      Flag.withDefault(false),
      Flag.withDescription(
        "diagnostic: run the API and the ceiling with the change-log triggers off (session_replication_role=replica), to see the API's own overhead"
      )
    ),
    profile: Flag.String("profile").pipe(
      Flag.optional,
      Flag.withDescription("write a V8 CPU profile of the API process into this folder")
    ),
    pool: Flag.Int("pool").pipe(Flag.withDefault(16), Flag.withDescription("the API's DATABASE_POOL_SIZE"))
  },
  ({ connections, duration, pool, profile, withoutChangeLog }) =>
    Effect.gen(function* () {
      if (withoutChangeLog) yield* Console.log("DIAGNOSTIC RUN: change-log triggers off for the API and for pgbench.")
      yield* Console.log(
        `api-rush: ${connections} connections × ${duration} s, API pool ${pool}, ${Os.cpus().length} CPUs, load average ${Os.loadavg()
          .map((l) => l.toFixed(2))
          .join(" ")}`
      )
      yield* Console.log("Preparing the databases (migrate + seed)…")
      yield* migrateAll
      yield* seed
      const urls = yield* DatabaseUrls
      const sql = yield* OltpSql
      const customers = (yield* sql<{ id: bigint }>`SELECT id FROM customers`).map((r) => Number(r.id))
      const products = (yield* sql<{ id: bigint }>`SELECT id FROM products WHERE active`).map((r) => Number(r.id))

      const port = yield* Effect.promise(() => freePort())
      yield* Console.log(`Starting the API on port ${port}…`)
      const api = yield* startApi(
        {
          OLTP_DATABASE_URL: withoutChangeLog ? replicaUrl(Redacted.value(urls.oltp)) : Redacted.value(urls.oltp),
          OLAP_DATABASE_URL: Redacted.value(urls.olap),
          DATABASE_POOL_SIZE: String(pool)
        },
        port,
        profile
      )
      // A short warm-up so JIT and prepared statements are in place before we measure.
      yield* Console.log("Warming up for 3 s…")
      yield* rush(port, connections, 3, () => JSON.stringify(randomOrder(customers, products)))
      const before = yield* countOrders
      yield* Console.log(`Rush: POST /orders/new for ${duration} s…`)
      const postmaster = Option.map(urls.embedded, (server) => server.pid)
      const serverCpu = () => Option.map(postmaster, serverCpuSeconds)
      const pgCpuBefore = serverCpu()
      const apiCpuBefore = cpuSeconds(api.pid!)
      const ownCpuBefore = process.cpuUsage()
      const result = yield* rush(port, connections, duration, () => JSON.stringify(randomOrder(customers, products)))
      const apiCpu = (cpuSeconds(api.pid!) - apiCpuBefore) / duration
      const ownUsage = process.cpuUsage(ownCpuBefore)
      const loadCpu = (ownUsage.user + ownUsage.system) / 1e6 / duration
      const pgCpu = Option.zipWith(serverCpu(), pgCpuBefore, (after, before) => (after - before) / duration)
      const written = (yield* countOrders) - before
      const rss = peakRssMb(api.pid!)
      const ours =
        result.non2xx === 0 ? result.requests.total / duration : (result.requests.total - result.non2xx) / duration
      const errors = result.errors + result.timeouts + result.non2xx

      yield* Console.log(`pgbench: the same order statement, ${connections} clients for ${duration} s…`)
      const pgCpuBeforeCeiling = serverCpu()
      const ceiling = yield* pgbench(
        Redacted.value(urls.oltp),
        yield* pgbenchScript,
        connections,
        duration,
        withoutChangeLog ? REPLICA : undefined
      )
      // pgbench's backends have just exited: let the server reap them, so their CPU is counted.
      yield* Effect.sleep("1 second")
      const ceilingPgCpu = Option.zipWith(
        serverCpu(),
        pgCpuBeforeCeiling,
        (after, before) => (after - before) / duration
      )

      // Diagnostic: the same statement with the change-log triggers off (replica role), to show what they cost.
      const bare = withoutChangeLog
        ? ceiling
        : yield* Console.log(`pgbench again without the change-log triggers (diagnostic), ${duration} s…`).pipe(
            Effect.andThen(pgbench(Redacted.value(urls.oltp), yield* pgbenchScript, connections, duration, REPLICA))
          )

      const ratio = ours / ceiling.tps
      const perOrder = (coreShare: number) => ((coreShare * 1000) / ours).toFixed(2)
      const verdict = (ok: boolean) => (ok ? "ok" : "MISSED")
      yield* Console.log(
        [
          "",
          "api-rush results",
          `  API       ${ours.toFixed(0)} orders/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   max ${result.latency.max} ms`,
          `            ${result.requests.total} requests, ${written} orders written, errors ${errors} (non-2xx ${result.non2xx}, socket ${result.errors}, timeouts ${result.timeouts})`,
          `            peak RSS ${rss.toFixed(0)} MB; CPU: API ${(apiCpu * 100).toFixed(0)}% of a core, autocannon ${(loadCpu * 100).toFixed(0)}%${Option.match(pgCpu, { onNone: () => "", onSome: (pg) => `, PostgreSQL ${(pg * 100).toFixed(0)}%` })}`,
          `            CPU per order: API ${perOrder(apiCpu)} ms, autocannon ${perOrder(loadCpu)} ms${Option.match(pgCpu, { onNone: () => " (PostgreSQL: not embedded, not measured)", onSome: (pg) => `, PostgreSQL ${perOrder(pg)} ms` })}`,
          `  pgbench   ${ceiling.tps.toFixed(0)} orders/s   latency avg ${ceiling.latency} ms   failed ${ceiling.failed}${Option.match(ceilingPgCpu, { onNone: () => "", onSome: (pg) => `   PostgreSQL CPU ${((pg * 1000) / ceiling.tps).toFixed(2)} ms per order` })}`,
          ...Option.match(pgCpu, {
            onNone: () => [],
            onSome: (pg) => {
              // Closed loop: mean latency = connections / throughput (Little's law), and p99 is above the mean.
              const needed = connections / (GOALS.p99Ms / 1000)
              const perOrderMs = ((apiCpu + loadCpu + pg) * 1000) / ours
              const ceiling = (Os.cpus().length * 1000) / perOrderMs
              return [
                `  budget    p99 ≤ ${GOALS.p99Ms} ms at ${connections} connections needs > ${needed.toFixed(0)} orders/s (mean ${GOALS.p99Ms} ms); at ${perOrderMs.toFixed(2)} ms of CPU per order (API + PostgreSQL + autocannon) ${Os.cpus().length} cores give at most ${ceiling.toFixed(0)} orders/s`
              ]
            }
          }),
          `  ratio     ${ratio.toFixed(2)} (ours/pgbench)`,
          `  pgbench without change-log triggers: ${bare.tps.toFixed(0)} orders/s, latency avg ${bare.latency} ms (what CDC costs)`,
          "",
          `  goals: ratio ≥ ${GOALS.ratio}: ${verdict(ratio >= GOALS.ratio)}; p99 ≤ ${GOALS.p99Ms} ms: ${verdict(result.latency.p99 <= GOALS.p99Ms)}; zero errors: ${verdict(errors === 0)}; RSS ≤ ${GOALS.rssMb} MB: ${verdict(rss <= GOALS.rssMb)}`,
          `  machine: ${Os.cpus().length} × ${Os.cpus()[0]?.model ?? "?"}, load average after ${Os.loadavg()
            .map((l) => l.toFixed(2))
            .join(" ")}`
        ].join("\n")
      )
    }).pipe(Effect.provide(databases), Effect.orDie)
).pipe(Command.withDescription("Benchmark POST /orders/new against pgbench running the same statement"))

bench.pipe(Command.run({ version: "0.1.0" }), Effect.scoped, Effect.provide(NodeServices.layer), NodeRuntime.runMain)
