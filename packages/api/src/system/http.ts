import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { appliedMigrations, loadMigrations, MIGRATION_DIRS } from "@brewlytics/db/Migrator.ts"
import { Api } from "@brewlytics/domain/api/Api.ts"
import { Unavailable } from "@brewlytics/domain/api/Errors.ts"
import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"

export const SystemHttp = HttpApiBuilder.group(
  Api,
  "system",
  Effect.fn(function* (handlers) {
    const oltp = yield* OltpSql
    const olap = yield* OlapSql
    const shipped = {
      oltp: (yield* Effect.orDie(loadMigrations(MIGRATION_DIRS.oltp))).at(-1)?.version ?? 0,
      olap: (yield* Effect.orDie(loadMigrations(MIGRATION_DIRS.olap))).at(-1)?.version ?? 0
    }
    const check = (sql: PgClient.PgClient, name: "oltp" | "olap") =>
      appliedMigrations(sql).pipe(
        Effect.mapError(
          (e) =>
            new Unavailable({
              code: "database_unreachable",
              message: `The ${name.toUpperCase()} database does not answer: ${e.message}`
            })
        ),
        Effect.flatMap((applied) => {
          const current = applied.at(-1)?.version ?? 0
          return current >= shipped[name]
            ? Effect.succeed(current)
            : Effect.fail(
                new Unavailable({
                  code: "migrations_pending",
                  message: `The ${name.toUpperCase()} database is at V${current}, this build ships V${shipped[name]}: run brewlytics migrate.`
                })
              )
        }),
        Effect.timeoutOrElse({
          duration: "2 seconds",
          orElse: () =>
            Effect.fail(
              new Unavailable({
                code: "database_slow",
                message: `The ${name.toUpperCase()} database took over 2 s to answer.`
              })
            )
        })
      )
    return handlers.handleAll({
      health: () => Effect.succeed({ status: "ok" as const }),
      ready: () =>
        Effect.all([check(oltp, "oltp"), check(olap, "olap")], { concurrency: 2 }).pipe(
          Effect.map(([oltpMigration, olapMigration]) => ({
            status: "ready" as const,
            oltp_migration: oltpMigration,
            olap_migration: olapMigration
          }))
        )
    })
  })
)
