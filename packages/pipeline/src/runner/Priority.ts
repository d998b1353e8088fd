import * as Fs from "node:fs"
import * as Os from "node:os"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect, Layer, Schedule } from "effect"
import { RunnerSettings } from "./Settings.ts"

/** What asking for a lower CPU priority came to. */
type Outcome = "lowered" | "gone" | "refused"

/**
 * Sets a process's niceness to at least `nice` (never higher priority than it
 * had). On Linux a pid of 0 is the calling thread only, not its process.
 */
const lower = (pid: number, nice: number): Outcome => {
  try {
    if (Os.getPriority(pid) < nice) Os.setPriority(pid, nice)
    return "lowered"
  } catch (e) {
    const code = (e as { info?: { code?: string } }).info?.code
    return code === "ESRCH" ? "gone" : "refused"
  }
}

/** The process is a PostgreSQL server process on this machine (its title starts with `postgres`). */
const isLocalPostgres = (pid: number): boolean => {
  try {
    return Fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith("postgres")
  } catch {
    return false
  }
}

/**
 * The till comes first: on a machine that also takes orders, the runner's
 * work yields the CPU to the API's. A `warehouse_models` run is over a second
 * of CPU every ten seconds or so, and at the same priority each of its bursts
 * holds a core the API's requests (and their OLTP sessions) then wait for:
 * that wait is the tail of an order's latency under a rush (README,
 * Performance: the rush). With `RUNNER_NICE` > 0, on Linux:
 *
 * - the runner's own thread takes that niceness (per thread on Linux, so the
 *   API on the process's main thread keeps its priority);
 * - so does every PostgreSQL session on the warehouse's database (the loads,
 *   the models, dashboard queries), when the server runs on this machine and
 *   we may renice its processes (the embedded server: ours, or run by us as
 *   root). Sessions come and go with the pools, so they are looked for every
 *   second. The OLTP sessions, the till's, keep their priority.
 *
 * Lower priority costs nothing when the machine has CPU to spare: the
 * pipeline then runs as fast as before, and only yields under contention.
 */
export const RunnerPriority = Layer.effectDiscard(
  Effect.gen(function* () {
    const { nice } = yield* RunnerSettings
    if (nice === 0 || Os.platform() !== "linux") return
    if ((yield* Effect.sync(() => lower(0, nice))) !== "lowered") {
      yield* Effect.logWarning(`Could not lower the pipeline runner's CPU priority to niceness ${nice}`)
    }
    const olap = yield* OlapSql
    const oltp = yield* OltpSql
    const lowered = new Set<number>()
    /** Lowers the sessions not yet lowered; false once it turns out they cannot be. */
    const sweep = Effect.fn("RunnerPriority.sweep")(function* () {
      const sessions = yield* olap<{ readonly pid: number }>`
        SELECT pid FROM pg_stat_activity WHERE datname = current_database()`
      const live = new Set(sessions.map((s) => s.pid))
      for (const pid of lowered) if (!live.has(pid)) lowered.delete(pid)
      for (const pid of live) {
        if (lowered.has(pid)) continue
        const outcome = yield* Effect.sync(() => (isLocalPostgres(pid) ? lower(pid, nice) : "refused"))
        if (outcome === "refused") {
          yield* Effect.logInfo(
            `The warehouse's PostgreSQL sessions run on another machine or as a user we may not renice: only the pipeline runner's thread runs at niceness ${nice}`
          )
          return false
        }
        if (outcome === "lowered") lowered.add(pid)
      }
      return true
    })
    const sessions = Effect.gen(function* () {
      // One database for both (a single URL twice): its sessions are the till's too, and keep their priority.
      const [till] = yield* oltp<{ readonly pid: number }>`SELECT pg_backend_pid() AS pid`
      const [shared] = yield* olap<{ readonly n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${till!.pid} AND datname = current_database()`
      if (shared!.n > 0) return
      yield* sweep().pipe(Effect.repeat({ while: (again) => again, schedule: Schedule.spaced("1 second") }))
    })
    // Only ever a matter of speed: a failure here is logged, and the runner runs on.
    yield* sessions.pipe(
      Effect.catchCause((cause) => Effect.logWarning("Stopped lowering the warehouse sessions' CPU priority", cause)),
      Effect.forkScoped
    )
  })
)
