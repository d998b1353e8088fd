import { OlapSql } from "@brewlytics/db/Databases.ts"
import { Effect, Layer } from "effect"
import * as SqlMessageStorage from "effect/cluster/SqlMessageStorage"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import { SqlClient } from "effect/sql/SqlClient"
import { RunnerError, RunnerFailed } from "../runner/Errors.ts"

/** The OLAP pool as the `SqlClient` effect/cluster's storage asks for: the cluster's tables live beside the watermark. */
export const ClusterSqlClient = Layer.effect(SqlClient, OlapSql)

/**
 * effect/cluster's own migrations of its storage tables (`cluster_runners`,
 * `cluster_locks`, `cluster_messages`, …, with their own history tables), run
 * by `brewlytics migrate` beside ours, so that runners never race to create
 * them. They lock their history tables: safe from several processes.
 */
export const migrateClusterStorage = Layer.build(
  Layer.mergeAll(SqlRunnerStorage.layerMigrations({}), SqlMessageStorage.layerMigrations({}))
).pipe(Effect.scoped, Effect.provide(ClusterSqlClient), Effect.withSpan("ClusterStorage.migrate"))

/** Refuses to join a cluster whose tables `brewlytics migrate` has not created. */
export const requireClusterTables = Effect.fn("ClusterStorage.require")(function* () {
  const sql = yield* OlapSql
  const [row] = yield* sql<{ missing: ReadonlyArray<string> }>`
    SELECT coalesce(array_agg(t), '{}') AS missing
    FROM unnest(ARRAY['cluster_runners', 'cluster_locks', 'cluster_messages', 'cluster_replies']) AS t
    WHERE to_regclass(t) IS NULL`
  const missing = row?.missing ?? []
  if (missing.length > 0) {
    return yield* new RunnerError({
      reason: new RunnerFailed({
        message: `The cluster's tables are missing in the OLAP database (${missing.join(", ")}): run \`brewlytics migrate\` first.`
      })
    })
  }
})

/** The cluster's runner and message storage on OLAP, without DDL (see `migrateClusterStorage`). */
export const ClusterStorage = Layer.mergeAll(SqlRunnerStorage.layerStorage({}), SqlMessageStorage.layerStorage({}))
