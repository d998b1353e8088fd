import * as Os from "node:os"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Duration, Effect } from "effect"

// Which runners run, and with what settings (OLAP V8's `pipeline_runners`):
// a runner says so when it starts, beats while it runs, and signs off when
// it stops. `pipeline status` reads it from any shell.

/** A pipeline as a running runner runs it. */
export interface RunningPipeline {
  readonly name: string
  readonly version: string
  readonly schedule: string
  readonly notifyChannel: string | null
}

/** A runner's row: where it runs, what it runs, and when it last said it was alive. */
export interface RunnerRecord {
  readonly id: string
  readonly host: string
  readonly pid: number
  /** `RUNNER_HOST:RUNNER_PORT` as configured. */
  readonly statusAt: string
  readonly pipelines: ReadonlyArray<RunningPipeline>
  readonly startedAt: Date
  readonly heartbeatAt: Date
  readonly stoppedAt: Date | null
  /** Seconds since its last heartbeat, by the database's clock. */
  readonly silentFor: number
}

/** How often a running runner beats. */
export const HEARTBEAT_EVERY = Duration.seconds(5)

/** A runner silent for longer than this (a few missed beats) is taken to have died. */
export const HEARTBEAT_STALE = Duration.seconds(20)

interface Row {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly status_at: string
  readonly pipelines: ReadonlyArray<RunningPipeline>
  readonly started_at: Date
  readonly heartbeat_at: Date
  readonly stopped_at: Date | null
  readonly silent_for: number
}

const fromRow = (row: Row): RunnerRecord => ({
  id: row.id,
  host: row.host,
  pid: row.pid,
  statusAt: row.status_at,
  pipelines: row.pipelines,
  startedAt: row.started_at,
  heartbeatAt: row.heartbeat_at,
  stoppedAt: row.stopped_at,
  silentFor: row.silent_for
})

/**
 * Records this runner as running until the scope closes: its row now, a
 * heartbeat every `HEARTBEAT_EVERY`, `stopped_at` at the end. A runner that
 * cannot record itself still runs (it says so): only `status` is the poorer.
 */
export const announceRunner = Effect.fn("RunnerPresence.announce")(function* (options: {
  readonly statusAt: string
  readonly pipelines: ReadonlyArray<RunningPipeline>
}) {
  const sql = yield* OlapSql
  const inserted = yield* sql<{ id: string }>`
    INSERT INTO pipeline_runners (host, pid, status_at, pipelines)
    VALUES (${Os.hostname()}, ${process.pid}, ${options.statusAt}, ${JSON.stringify(options.pipelines)}::jsonb)
    RETURNING id`.pipe(
    Effect.tapError((e) =>
      Effect.logWarning(
        `Could not record this runner in pipeline_runners (${e.message}): \`brewlytics pipeline status\` will not see it.`
      )
    ),
    Effect.option
  )
  if (inserted._tag === "None") return
  const id = inserted.value[0]!.id
  yield* sql`UPDATE pipeline_runners SET heartbeat_at = now() WHERE id = ${id}`.pipe(
    Effect.delay(HEARTBEAT_EVERY),
    Effect.catch((e) => Effect.logDebug(`Runner heartbeat not written: ${e.message}`)),
    Effect.forever,
    Effect.forkScoped
  )
  yield* Effect.addFinalizer(() =>
    sql`UPDATE pipeline_runners SET stopped_at = now(), heartbeat_at = now() WHERE id = ${id}`.pipe(Effect.ignore)
  )
})

/** The runners that run now (newest heartbeat first), and the last one to have started, running or not. */
export const runnersNow = Effect.fn("RunnerPresence.runnersNow")(function* () {
  const sql = yield* OlapSql
  const rows = yield* sql<Row>`
    SELECT id, host, pid, status_at, pipelines, started_at, heartbeat_at, stopped_at,
           extract(epoch FROM now() - heartbeat_at)::float8 AS silent_for
    FROM pipeline_runners
    WHERE (stopped_at IS NULL AND heartbeat_at > now() - make_interval(secs => ${Duration.toSeconds(HEARTBEAT_STALE)}))
       OR id = (SELECT id FROM pipeline_runners ORDER BY started_at DESC LIMIT 1)
    ORDER BY heartbeat_at DESC`
  const records = rows.map(fromRow)
  const stale = Duration.toSeconds(HEARTBEAT_STALE)
  const running = records.filter((r) => r.stoppedAt === null && r.silentFor < stale)
  const last = [...records].sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime())[0]
  return { running, last }
})
