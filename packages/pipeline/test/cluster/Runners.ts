import type { ChildProcess } from "node:child_process"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { startCli as startBrewlytics } from "@brewlytics/db/testing/Cli.ts"
import { freePort } from "@brewlytics/db/testing/TestServer.ts"
import { Duration, Effect, Schedule } from "effect"

/** A `brewlytics pipeline run --cluster` process of a test, with its cluster address and what it printed. */
export interface ClusterRunner {
  readonly child: ChildProcess
  readonly address: string
  readonly output: () => string
  readonly alive: () => boolean
}

/** `brewlytics <args>` on this test's databases, as the cluster's processes run here: small pools, readable logs. */
export const startCli = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  startBrewlytics(args, { DATABASE_POOL_SIZE: "4", LOG_FORMAT: "pretty", ...env })

/**
 * A runner of the cluster as a user starts it (`brewlytics pipeline run
 * --cluster`), on this test's databases, with ports of its own.
 */
export const startRunner = (env: Record<string, string> = {}) =>
  Effect.gen(function* () {
    const [clusterPort, statusPort] = yield* Effect.promise(() => Promise.all([freePort(), freePort()]))
    const process = yield* startCli(["pipeline", "run", "--cluster"], {
      RUNNER_PORT: String(statusPort),
      CLUSTER_HOST: "127.0.0.1",
      CLUSTER_PORT: String(clusterPort),
      ...env
    })
    return { ...process, address: `127.0.0.1:${clusterPort}` } satisfies ClusterRunner
  })

/** Each pipeline's owner as written in `pipeline_owners`. */
export const owners = Effect.gen(function* () {
  const olap = yield* OlapSql
  const rows = yield* olap<{ pipeline: string; runner: string; pid: number; since: Date; rejected: number }>`
    SELECT pipeline, runner, pid, since, rejected_stale_commits::int AS rejected FROM pipeline_owners ORDER BY pipeline`
  return new Map(rows.map((r) => [r.pipeline, r]))
})

/** Polls `check` every 200 ms until it holds, for at most `within`; dies with `what` and the runners' output if not. */
export const eventually = <A>(
  what: string,
  check: Effect.Effect<A | undefined, unknown, OlapSql>,
  within: Duration.Input,
  runners: ReadonlyArray<ClusterRunner> = []
) =>
  check.pipe(
    Effect.flatMap((a) => (a === undefined ? Effect.fail("not yet" as const) : Effect.succeed(a))),
    Effect.retry({ schedule: Schedule.spaced("200 millis"), while: (e) => e === "not yet" }),
    Effect.timeoutOption(within),
    Effect.flatMap((found) =>
      found._tag === "Some"
        ? Effect.succeed(found.value)
        : Effect.die(
            new Error(
              `${what}: not within ${Duration.format(Duration.fromInputUnsafe(within))}\n${runners
                .map((r) => `--- runner ${r.address} (${r.alive() ? "alive" : "dead"}):\n${r.output().slice(-4000)}`)
                .join("\n")}`
            )
          )
    )
  )
