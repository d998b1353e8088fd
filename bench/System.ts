/**
 * The system under test for the scripts that drive it from outside (the
 * freshness bench, `npm run rush`): a throwaway embedded PostgreSQL, the shop
 * opened on it, and the services as `brewlytics start` runs them (the API on
 * this thread, the pipeline runner on a thread of its own).
 */
import * as Fs from "node:fs"
import { createServer } from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { ApiApp } from "@brewlytics/api/Http.ts"
import { ApiSettings } from "@brewlytics/api/Settings.ts"
import { startRunnerThread } from "@brewlytics/cli/RunnerThreadStart.ts"
import { DatabaseUrls, OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { migrateAll } from "@brewlytics/db/Migrator.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { DatabaseSettings } from "@brewlytics/db/Settings.ts"
import { embeddedSettings, freePort } from "@brewlytics/db/testing/TestServer.ts"
import { migrateClusterStorage } from "@brewlytics/pipeline/cluster/Storage.ts"
import { drain } from "@brewlytics/pipeline/pipelines/RunCdcToStar.ts"
import { runModels } from "@brewlytics/warehouse/Builder.ts"
import { NodeHttpServer } from "@effect/platform-node"
import { Context, Effect, Layer } from "effect"
import { HttpServer } from "effect/http"

/** Both pools on a fresh embedded server in a temporary folder, removed at the end. */
export const throwawayDatabases = (poolSize: number) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-bench-"))
      Fs.chmodSync(dir, 0o755)
      yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
      const port = yield* Effect.promise(() => freePort())
      const settings = Layer.effect(
        DatabaseSettings,
        Effect.map(DatabaseSettings, (s) => ({ ...s, poolSize }))
      ).pipe(Layer.provide(embeddedSettings(dir, port)))
      return Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
        Layer.provideMerge(DatabaseUrls.layer),
        Layer.provideMerge(settings)
      )
    })
  )

/**
 * The shop already open: migrated, seeded, the seed loaded into the star
 * schema and the models built once, as on a running system (otherwise the
 * first load and the models' first full build land in the first seconds).
 */
export const openShop = Effect.gen(function* () {
  yield* migrateAll
  yield* seed
  yield* drain()
  yield* runModels({ onProgress: () => Effect.void })
})

/**
 * The services as `brewlytics start` runs them, for the scope: the runner on
 * its own thread, the API here on a free port. Returns the API's address.
 */
export const startSystemWith = Effect.fn("bench.startSystem")(function* (runnerEnv: Record<string, string> = {}) {
  yield* Effect.forkScoped(startRunnerThread({ RUNNER_PORT: "0", ...runnerEnv }))
  const system = yield* Layer.build(
    ApiApp.pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer({ keepAliveTimeout: 65_000 }), { port: 0 })),
      Layer.provide(ApiSettings.inProcess())
    )
  )
  return HttpServer.formatAddress(Context.get(system, HttpServer.HttpServer).address)
})

export const startSystem = startSystemWith()

/** The runner's settings for cluster mode (`--cluster` of the benches): its cluster tables created, a free port. */
export const clusterRunnerEnv = Effect.gen(function* () {
  yield* migrateClusterStorage
  const port = yield* Effect.promise(() => freePort())
  return { PIPELINE_CLUSTER: "true", CLUSTER_HOST: "127.0.0.1", CLUSTER_PORT: String(port) }
})
