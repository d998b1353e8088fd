import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { layerDigest } from "@effect/platform-node/NodeCrypto"
import { Deferred, Duration, Effect, Fiber, Layer, Option, Queue } from "effect"
import { RunnerAddress } from "effect/cluster/RunnerAddress"
import * as RunnerHealth from "effect/cluster/RunnerHealth"
import * as Runners from "effect/cluster/Runners"
import { Sharding } from "effect/cluster/Sharding"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SocketRunner from "effect/cluster/SocketRunner"
import * as RpcSerialization from "effect/rpc/RpcSerialization"
import type * as Pipeline from "../dsl/Pipeline.ts"
import { Runner, RunnerCore } from "../Runner.ts"
import { makeActivityLog } from "../runner/Activity.ts"
import { announce, LOG_CADENCE, type Shared, startPipeline } from "../runner/Loop.ts"
import { RunnerPriority } from "../runner/Priority.ts"
import { RunnerSettings } from "../runner/Settings.ts"
import { ClusterFence, singletonName } from "./Fence.ts"
import { claimOwnership, countRejectedCommit } from "./Owners.ts"
import { ClusterSettings } from "./Settings.ts"
import { ClusterSqlClient, ClusterStorage, requireClusterTables } from "./Storage.ts"

/**
 * effect/cluster's `Sharding` over a socket runner, its storage on OLAP. The
 * lease (`CLUSTER_LEASE`) is a table lease rather than a session's advisory
 * lock: a runner that is paused keeps its PostgreSQL session, and with an
 * advisory lock it would keep its pipelines with it; with a lease it loses
 * them once silent for that long, and another runner takes over.
 */
const ShardingLive = Layer.unwrap(
  Effect.gen(function* () {
    const settings = yield* ClusterSettings
    yield* requireClusterTables()
    const address = RunnerAddress.make({ host: settings.host, port: settings.port })
    const lease = settings.lease
    const config = ShardingConfig.layer({
      runnerAddress: Option.some(address),
      shardLockExpiration: lease,
      shardLockRefreshInterval: Duration.divideUnsafe(lease, 3),
      shardLockDisableAdvisory: true,
      // A runner gone silent leaves the assignments within a lease; look at them often.
      refreshAssignmentsInterval: Duration.seconds(1),
      runnerHealthCheckInterval: lease,
      // Only singletons run here: a few shards are plenty, and fewer leases to renew.
      shardsPerGroup: 30
    })
    const health = RunnerHealth.layerPing.pipe(
      Layer.provide(Runners.layerRpc),
      Layer.provide(NodeClusterSocket.layerClientProtocol)
    )
    return SocketRunner.layer.pipe(
      Layer.provide([NodeClusterSocket.layerSocketServer, NodeClusterSocket.layerClientProtocol]),
      Layer.provide(health),
      Layer.provideMerge(ClusterStorage),
      Layer.provide([config, ClusterSqlClient, layerDigest, RpcSerialization.layerSchemaBinary()])
    )
  })
)

/**
 * The runner as a runs' decorator: a run whose commit the watermark
 * compare-and-set refused (another runner moved it first) is counted.
 */
const countingRejections = (runner: Runner["Service"], olap: OlapSql["Service"]) =>
  Runner.of({
    ...runner,
    run: (name, options) =>
      runner.run(name, options).pipe(
        Effect.tap((outcome) =>
          outcome.superseded
            ? countRejectedCommit(name).pipe(
                Effect.andThen(
                  Effect.logWarning(
                    `${name}: this runner's batch was refused at commit: it no longer owns the pipeline (another runner holds the lease or moved the watermark)`
                  )
                ),
                Effect.catch((e) => Effect.logWarning(`${name}: could not count a refused commit: ${e.message}`)),
                Effect.provideService(OlapSql, olap)
              )
            : Effect.void
        )
      )
  })

/**
 * One cluster singleton per scheduled pipeline: the runner that owns its shard
 * runs the same per-pipeline loop as a single runner (`startPipeline`), writes
 * itself down as the owner, and on losing the shard (or stopping) lets the
 * batch in flight finish or roll back, then stops. Exactly one owner at a
 * time is the cluster's job; that no stale owner's batch ever commits is the
 * watermark compare-and-set's, in the batch's own OLAP transaction.
 */
const PipelineSingletons = Layer.effectDiscard(
  Effect.gen(function* () {
    const sharding = yield* Sharding
    const runner = countingRejections(yield* Runner, yield* OlapSql)
    const settings = yield* RunnerSettings
    const cluster = yield* ClusterSettings
    const oltp = yield* OltpSql
    const self = `${cluster.host}:${cluster.port}`
    // Each runner of the cluster records itself as a single runner does; `pipeline_owners` says which owns what.
    yield* announce(runner, settings)
    const { observe } = yield* makeActivityLog(LOG_CADENCE)
    // One wake-up slot per pipeline, kept across ownerships: a follower's wake-up waits for its owner.
    const wakes = new Map<string, Queue.Queue<Pipeline.Trigger | "check">>()
    for (const entry of runner.pipelines) {
      wakes.set(entry.pipeline.name, yield* Queue.sliding<Pipeline.Trigger | "check">(1))
    }
    for (const entry of runner.pipelines) {
      const name = entry.pipeline.name
      const own = Effect.gen(function* () {
        const stop = yield* Deferred.make<void>()
        const shared: Shared = { runner, oltp, stop, wakes, observe }
        yield* claimOwnership(name, self, process.pid).pipe(
          Effect.catch((e) => Effect.logWarning(`${name}: could not record this runner as its owner: ${e.message}`))
        )
        yield* Effect.logInfo(`${name}: owned by this runner (${self}) from now on`)
        const worker = yield* startPipeline(shared, entry)
        // Added after the fork, so it runs before the worker is interrupted.
        yield* Effect.addFinalizer(() =>
          Deferred.succeed(stop, undefined).pipe(
            Effect.andThen(Fiber.await(worker).pipe(Effect.timeoutOption(settings.stopGrace))),
            Effect.andThen(Effect.logInfo(`${name}: no longer owned by this runner`))
          )
        )
      })
      yield* sharding.registerSingleton(singletonName(name), own)
    }
    yield* Effect.logInfo(
      `Pipeline runner ${self} joined the cluster: ${runner.pipelines.map((e) => e.pipeline.name).join(", ")} run where their owner is (lease ${Duration.format(cluster.lease)})`
    )
  })
)

/**
 * The long-lived runner in cluster mode: `RunnerCore` plus one singleton per
 * pipeline over `Sharding`. Needs `OltpSql` and `OlapSql`; the status
 * endpoint is the caller's to add, as with `RunnerLive`.
 */
export const ClusterRunnerLive = Layer.mergeAll(PipelineSingletons, RunnerPriority).pipe(
  // The runs' context carries the fence: each batch checks its lease in its own transaction.
  Layer.provideMerge(RunnerCore.pipe(Layer.provide(ClusterFence))),
  Layer.provide(ShardingLive),
  Layer.provideMerge(ClusterSettings.layer)
)
