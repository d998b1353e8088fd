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
 * database) must name this runner, and is held FOR SHARE until the commit,
 * so no other runner can take the lease over in between. A runner paused
 * mid-batch holds that row and the watermark's: the transaction is given an
 * idle timeout of one lease, after which PostgreSQL ends it, the locks go,
 * and another runner takes over; the paused one, resumed, finds its session
 * gone and its next batch refused here.
 */
export const ClusterFence = Layer.effect(
  CommitFence,
  Effect.gen(function* () {
    const sharding = yield* Sharding
    const settings = yield* ClusterSettings
    const self = `${settings.host}:${settings.port}`
    const idleTimeout = String(Math.ceil(Duration.toMillis(settings.lease)))
    const check = Effect.fn("ClusterFence.check")(function* (pipeline: string) {
      const sql = yield* OlapSql
      const shard = sharding.getShardId(EntityId.make(singletonName(pipeline)), "default").toString()
      yield* sql`SELECT set_config('idle_in_transaction_session_timeout', ${idleTimeout}, true)`
      const [lease] = yield* sql<{ address: string }>`
        SELECT address FROM cluster_locks WHERE shard_id = ${shard} FOR SHARE`
      if (lease?.address !== self) {
        return yield* new CdcError({ reason: new LeaseLost({ pipeline, holder: lease?.address ?? null }) })
      }
    })
    return { check }
  })
)
