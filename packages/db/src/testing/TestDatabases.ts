import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Option, Redacted } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { inject } from "vitest"
import { DatabaseUrls, OlapSql, OltpSql } from "../Databases.ts"
import { DatabaseSettings } from "../Settings.ts"
import { TEMPLATES } from "./TestServer.ts"

let counter = 0
const uniqueName = (prefix: string) =>
  `t_${prefix}_${process.pid}_${Date.now().toString(36)}_${(counter++).toString(36)}`

export const adminUrl = () => inject("pgAdminUrl")

export const databaseUrl = (database: string) => {
  const u = new URL(adminUrl())
  u.pathname = `/${database}`
  return u.toString()
}

const admin = <A, E>(f: (sql: PgClient.PgClient) => Effect.Effect<A, E>) =>
  PgClient.make({ url: Redacted.make(adminUrl()), maxConnections: 1 }).pipe(
    Effect.flatMap(f),
    Effect.scoped,
    Effect.provide(Reactivity.layer)
  )

/** A fresh database: a copy of the migrated template, or empty. Costs a few milliseconds. */
export const createDatabase = Effect.fn("TestDatabases.createDatabase")(function* (
  template: keyof typeof TEMPLATES | "empty"
) {
  const name = uniqueName(template)
  yield* admin((sql) =>
    template === "empty"
      ? sql`CREATE DATABASE ${sql(name)}`
      : sql`CREATE DATABASE ${sql(name)} TEMPLATE ${sql(TEMPLATES[template])}`
  ).pipe(Effect.retry({ times: 5 }))
  return name
}, Effect.orDie)

/**
 * The same services `main` builds (settings, URLs, both pools), over a fresh
 * migrated OLTP and OLAP database of this test file's own.
 */
export const TestDatabases = Layer.unwrap(
  Effect.gen(function* () {
    const oltp = yield* createDatabase("oltp")
    const olap = yield* createDatabase("olap")
    const settings = Layer.succeed(DatabaseSettings, {
      oltpUrl: Option.some(Redacted.make(databaseUrl(oltp))),
      olapUrl: Option.some(Redacted.make(databaseUrl(olap))),
      dataDir: "",
      embeddedPort: 0,
      embeddedPassword: Redacted.make(""),
      poolSize: 8
    })
    return Layer.mergeAll(OltpSql.layer, OlapSql.layer).pipe(
      Layer.provideMerge(DatabaseUrls.layer),
      Layer.provideMerge(settings)
    )
  })
)
