import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { loadMigrations, MIGRATION_DIRS, requireCurrent, type Target } from "@brewlytics/db/Migrator.ts"
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
      oltp: yield* Effect.orDie(loadMigrations(MIGRATION_DIRS.oltp)),
      olap: yield* Effect.orDie(loadMigrations(MIGRATION_DIRS.olap))
    }
    const check = (sql: PgClient.PgClient, target: Target) =>
      requireCurrent(sql, target, shipped[target]).pipe(
        Effect.mapError((e) =>
          e._tag === "MigrationError"
            ? new Unavailable({ code: "migrations_pending", message: e.message })
            : new Unavailable({
                code: "database_unreachable",
                message: `The ${target.toUpperCase()} database does not answer: ${e.message}`
              })
        ),
        Effect.timeoutOrElse({
          duration: "2 seconds",
          orElse: () =>
            Effect.fail(
              new Unavailable({
                code: "database_slow",
                message: `The ${target.toUpperCase()} database took over 2 s to answer.`
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
