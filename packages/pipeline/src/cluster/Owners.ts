import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Effect, Metric } from "effect"

/**
 * Batches whose commit the watermark compare-and-set refused because another
 * runner had moved the watermark first: a stale owner's work, written nowhere.
 */
export const rejectedStaleCommits = Metric.counter("pipeline_rejected_stale_commits_total", {
  description: "Batches refused at commit because another runner had moved the pipeline's watermark first"
})

/** A runner of the cluster as its storage sees it. */
export interface ClusterRunnerRow {
  readonly address: string
  readonly healthy: boolean
  /** Seconds since it last renewed its lease. */
  readonly silentSeconds: number
}

/** A pipeline's owner as it wrote itself down (`pipeline_owners`, OLAP V9). */
export interface PipelineOwner {
  readonly pipeline: string
  readonly runner: string
  readonly pid: number
  readonly since: Date
  readonly rejectedStaleCommits: number
}

export interface ClusterStatus {
  readonly runners: ReadonlyArray<ClusterRunnerRow>
  readonly owners: ReadonlyArray<PipelineOwner>
}

/** This runner took `pipeline` over now. */
export const claimOwnership = Effect.fn("ClusterOwners.claim")(function* (
  pipeline: string,
  runner: string,
  pid: number
) {
  const sql = yield* OlapSql
  yield* sql`
    INSERT INTO pipeline_owners (pipeline, runner, pid, since)
    VALUES (${pipeline}, ${runner}, ${pid}, now())
    ON CONFLICT (pipeline) DO UPDATE SET runner = EXCLUDED.runner, pid = EXCLUDED.pid, since = EXCLUDED.since`
})

/** One batch of `pipeline` was refused at commit: counted here (for `status`) and in the metric. */
export const countRejectedCommit = Effect.fn("ClusterOwners.countRejected")(function* (pipeline: string) {
  const sql = yield* OlapSql
  yield* Metric.update(Metric.withAttributes(rejectedStaleCommits, { pipeline }), 1)
  yield* sql`
    UPDATE pipeline_owners SET rejected_stale_commits = rejected_stale_commits + 1 WHERE pipeline = ${pipeline}`
})

/**
 * The cluster's runners and each pipeline's owner; empty when no runner ever
 * joined a cluster on these databases (or the cluster's tables are not there).
 */
export const clusterStatus = Effect.fn("ClusterOwners.status")(function* () {
  const sql = yield* OlapSql
  const [tables] = yield* sql<{ runners: boolean; owners: boolean }>`
    SELECT to_regclass('cluster_runners') IS NOT NULL AS runners, to_regclass('pipeline_owners') IS NOT NULL AS owners`
  const runners = tables?.runners
    ? yield* sql<{ address: string; healthy: boolean; silent: number }>`
        SELECT address, healthy, extract(epoch FROM now() - last_heartbeat)::float8 AS silent
        FROM cluster_runners ORDER BY address`
    : []
  const owners = tables?.owners
    ? yield* sql<{ pipeline: string; runner: string; pid: number; since: Date; rejected: number }>`
        SELECT pipeline, runner, pid, since, rejected_stale_commits::int AS rejected
        FROM pipeline_owners ORDER BY pipeline`
    : []
  return {
    runners: runners.map((r) => ({ address: r.address, healthy: r.healthy, silentSeconds: r.silent })),
    owners: owners.map((o) => ({
      pipeline: o.pipeline,
      runner: o.runner,
      pid: o.pid,
      since: o.since,
      rejectedStaleCommits: o.rejected
    }))
  } satisfies ClusterStatus
})
