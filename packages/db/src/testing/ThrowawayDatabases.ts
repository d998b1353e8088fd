import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { Effect, Layer, Option } from "effect"
import { DatabaseUrls, OlapSql, OltpSql } from "../Databases.ts"
import { DatabaseSettings } from "../Settings.ts"
import { embeddedSettings, freePort } from "./TestServer.ts"

/**
 * Both pools over databases of a benchmark's own: the configured servers when
 * both URLs are set, else a throwaway embedded server in a temporary folder
 * named `<prefix>…` (so the dev data in .brewlytics is never touched), stopped
 * and removed when the layer's scope closes.
 */
export const throwawayDatabases = (prefix: string) =>
  Layer.unwrap(
    Effect.gen(function* () {
      const configured = yield* DatabaseSettings
      const settings =
        Option.isSome(configured.oltpUrl) && Option.isSome(configured.olapUrl)
          ? Layer.succeed(DatabaseSettings, configured)
          : yield* Effect.gen(function* () {
              const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), prefix))
              Fs.chmodSync(dir, 0o755)
              yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
              return embeddedSettings(dir, yield* Effect.promise(() => freePort()))
            })
      return Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
        Layer.provideMerge(DatabaseUrls.layer),
        Layer.provideMerge(settings)
      )
    })
  ).pipe(Layer.provide(DatabaseSettings.layer))
