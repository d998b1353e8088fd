import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Duration, Effect, Layer } from "effect"
import * as EntityId from "effect/cluster/EntityId"
import { Sharding } from "effect/cluster/Sharding"
import { CommitFence } from "../cdc/CommitFence.ts"
import { CdcError, LeaseLost } from "../cdc/Types.ts"
import { ClusterSettings } from "./Settings.ts"

/** The cluster singleton that runs `pipeline`. */
export const singletonName = (pipeline: string) => `pipeline/${pipeline}`

/**
 * The commit fence in cluster mode, first in each batch's OLAP transaction:
 * the pipeline's lease row (effect/cluster's `cluster_locks`, in the same
 * database) must name this runner. The row is read, not locked: a lock would
 * hold up the runner's own lease renewals for as long as a batch runs. What
 * keeps a runner that stops mid-batch (paused) from committing after another
 * took over is time: its transaction gets an idle timeout of half a lease,
 * shorter than the least time before its lease can lapse (two thirds of a
 * lease after its last renewal), so PostgreSQL ends that transaction before
 * any other runner can own the pipeline. Resumed, its next batch is refused
 * here. The watermark compare-and-set keeps every batch exactly once anyway.
 */
export const ClusterFence = Layer.effect(
  CommitFence,
  Effect.gen(function* () {
    const sharding = yield* Sharding
    const settings = yield* ClusterSettings
    const self = `${settings.host}:${settings.port}`
    const idleTimeout = String(Math.floor(Duration.toMillis(settings.lease) / 2))
    const check = Effect.fn("ClusterFence.check")(function* (pipeline: string) {
      const sql = yield* OlapSql
      const shard = sharding.getShardId(EntityId.make(singletonName(pipeline)), "default").toString()
      yield* sql`SELECT set_config('idle_in_transaction_session_timeout', ${idleTimeout}, true)`
      const [lease] = yield* sql<{ address: string }>`
        SELECT address FROM cluster_locks WHERE shard_id = ${shard}`
      if (lease?.address !== self) {
        return yield* new CdcError({ reason: new LeaseLost({ pipeline, holder: lease?.address ?? null }) })
      }
    })
    return { check }
  })
)
