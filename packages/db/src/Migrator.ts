import { createHash } from "node:crypto"
import * as Fs from "node:fs"
import * as Path from "node:path"
import type { PgClient } from "@effect/sql-pg"
import { Effect, Schema } from "effect"
import { OlapSql, OltpSql } from "./Databases.ts"
import { repoRoot } from "./Settings.ts"
import { splitStatements } from "./SqlScript.ts"

/** Flyway's naming: `V<version>__<description>.sql`, e.g. `V2__change_log.sql`. */
const FILE_NAME = /^V(\d+)__(\w+)\.sql$/

export const MIGRATION_DIRS = {
  oltp: Path.join(repoRoot, "sql", "oltp"),
  olap: Path.join(repoRoot, "sql", "olap")
} as const
export type Target = keyof typeof MIGRATION_DIRS

/** One history table per database, in the shape of Flyway's own. */
const HISTORY = "brewlytics_schema_history"

export interface Migration {
  readonly version: number
  readonly description: string
  readonly script: string
  readonly checksum: string
  readonly text: string
}

/** A file in the migrations folder is not named `V<version>__<description>.sql`. */
export class BadFileName extends Schema.TaggedError<BadFileName>()("BadFileName", { message: Schema.String }) {}

/** Two files share a version. */
export class DuplicateVersion extends Schema.TaggedError<DuplicateVersion>()("DuplicateVersion", {
  message: Schema.String
}) {}

/** An applied migration's file was edited afterwards. */
export class ChecksumMismatch extends Schema.TaggedError<ChecksumMismatch>()("ChecksumMismatch", {
  message: Schema.String
}) {}

/** The database has a migration applied that this build does not ship. */
export class UnknownVersion extends Schema.TaggedError<UnknownVersion>()("UnknownVersion", {
  message: Schema.String
}) {}

/** Migrations this build ships are not applied yet: `brewlytics migrate` applies them. */
export class MigrationsPending extends Schema.TaggedError<MigrationsPending>()("MigrationsPending", {
  message: Schema.String
}) {}

/** Reading the migrations or running one failed; the database rolled the migration back. */
export class MigrationFailed extends Schema.TaggedError<MigrationFailed>()("MigrationFailed", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** Why the migrator refused or failed: the reason is one of the tagged errors above, and carries the message. */
export class MigrationError extends Schema.TaggedError<MigrationError>()("MigrationError", {
  reason: Schema.Union([
    BadFileName,
    DuplicateVersion,
    ChecksumMismatch,
    UnknownVersion,
    MigrationsPending,
    MigrationFailed
  ])
}) {
  override get message() {
    return this.reason.message
  }
}

/** Line endings do not count, so a checkout on another OS keeps the same checksum. */
export const checksumOf = (text: string) => createHash("sha256").update(text.replace(/\r\n/g, "\n")).digest("hex")

export const loadMigrations = Effect.fn("Migrator.load")(function* (dir: string) {
  const files = yield* Effect.try({
    try: () =>
      Fs.readdirSync(dir)
        .filter((f) => f.endsWith(".sql"))
        .sort(),
    catch: (cause) =>
      new MigrationError({ reason: new MigrationFailed({ message: `Cannot read migrations in ${dir}`, cause }) })
  })
  const migrations: Array<Migration> = []
  for (const script of files) {
    const match = FILE_NAME.exec(script)
    if (match === null) {
      return yield* new MigrationError({
        reason: new BadFileName({
          message: `${Path.join(dir, script)} is not named V<version>__<description>.sql: rename it.`
        })
      })
    }
    const text = Fs.readFileSync(Path.join(dir, script), "utf8")
    migrations.push({
      version: Number(match[1]),
      description: match[2]!.replace(/_/g, " "),
      script,
      checksum: checksumOf(text),
      text
    })
  }
  migrations.sort((a, b) => a.version - b.version)
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.version === migrations[i - 1]!.version) {
      return yield* new MigrationError({
        reason: new DuplicateVersion({
          message: `${migrations[i - 1]!.script} and ${migrations[i]!.script} share version ${
            migrations[i]!.version
          } in ${dir}: give one a new version.`
        })
      })
    }
  }
  return migrations
})

export interface Applied {
  readonly version: number
  readonly script: string
  readonly checksum: string
}

// Any constant will do; it only has to be the same in every process.
const LOCK_KEY = 0x62726577 // "brew"

const lock = (sql: PgClient.PgClient, target: Target) =>
  sql`SELECT pg_advisory_xact_lock(${LOCK_KEY}, ${target === "oltp" ? 1 : 2})`

const ensureHistory = (sql: PgClient.PgClient, target: Target) =>
  sql.withTransaction(
    // Under the lock, since concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
    lock(sql, target).pipe(
      Effect.andThen(sql`CREATE TABLE IF NOT EXISTS ${sql(HISTORY)} (
    installed_rank    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version           integer     NOT NULL UNIQUE,
    description       text        NOT NULL,
    script            text        NOT NULL,
    checksum          text        NOT NULL,
    installed_by      text        NOT NULL DEFAULT current_user,
    installed_on      timestamptz NOT NULL DEFAULT now(),
    execution_time_ms integer     NOT NULL
  )`)
    )
  )

/** The migrations applied to a database, oldest first (none if it was never migrated). */
export const appliedMigrations = (sql: PgClient.PgClient) =>
  sql<Applied>`SELECT version, script, checksum FROM ${sql(HISTORY)} ORDER BY version`.pipe(
    Effect.catchIf(
      (e) => String(e.reason.cause).includes(`relation "${HISTORY}" does not exist`),
      () => Effect.succeed([] as ReadonlyArray<Applied>)
    )
  )

/** Refuses a database whose history disagrees with the files: an edited or a missing migration. */
export const verifyHistory = (
  label: string,
  migrations: ReadonlyArray<Migration>,
  applied: ReadonlyArray<Applied>
): Effect.Effect<void, MigrationError> => {
  const byVersion = new Map(migrations.map((m) => [m.version, m]))
  for (const row of applied) {
    const file = byVersion.get(row.version)
    if (file === undefined) {
      return Effect.fail(
        new MigrationError({
          reason: new UnknownVersion({
            message: `The ${label} database has migration V${row.version} (${row.script}) applied, which this build does not ship: run a build that has it.`
          })
        })
      )
    }
    if (file.checksum !== row.checksum) {
      return Effect.fail(
        new MigrationError({
          reason: new ChecksumMismatch({
            message: `${file.script} was edited after it was applied to the ${label} database (checksum ${row.checksum.slice(
              0,
              12
            )} applied, ${file.checksum.slice(
              0,
              12
            )} on disk). Applied migrations are never edited: restore the file and put the change in a new V${
              (migrations.at(-1)?.version ?? 0) + 1
            }__….sql.`
          })
        })
      )
    }
  }
  return Effect.void
}

/**
 * Whether a database is current: its history agrees with `shipped` (the
 * migrations this build ships, from `loadMigrations`) and every one of them is
 * applied. Succeeds with the version the database is at; fails naming the
 * versions and what is not applied. The one check that the runner's start,
 * the API's `/ready` and the migrator share.
 */
export const requireCurrent = Effect.fn("Migrator.requireCurrent")(function* (
  sql: PgClient.PgClient,
  target: Target,
  shipped: ReadonlyArray<Migration>
) {
  const label = target.toUpperCase()
  const applied = yield* appliedMigrations(sql)
  yield* verifyHistory(label, shipped, applied)
  const appliedVersions = new Set(applied.map((a) => a.version))
  const missing = shipped.filter((m) => !appliedVersions.has(m.version))
  const current = applied.at(-1)?.version ?? 0
  if (missing.length > 0) {
    return yield* new MigrationError({
      reason: new MigrationsPending({
        message: `The ${label} database is at V${current}, this build ships V${shipped.at(-1)!.version} (${missing
          .map((m) => m.script)
          .join(", ")} not applied): run \`brewlytics migrate\` first.`
      })
    })
  }
  return current
})

/**
 * Applies the pending migrations in version order, each in its own
 * transaction under a transaction-scoped advisory lock, so any number of
 * processes may run this at once: each migration is applied exactly once.
 */
export const migrate = Effect.fn("Migrator.migrate")(
  function* (sql: PgClient.PgClient, target: Target) {
    const migrations = yield* loadMigrations(MIGRATION_DIRS[target])
    yield* ensureHistory(sql, target)
    yield* verifyHistory(target.toUpperCase(), migrations, yield* appliedMigrations(sql))
    const appliedNow: Array<Migration> = []
    for (const migration of migrations) {
      const ran = yield* sql.withTransaction(
        Effect.gen(function* () {
          yield* lock(sql, target)
          const done = yield* sql`SELECT checksum FROM ${sql(HISTORY)} WHERE version = ${migration.version}`
          if (done.length > 0) return false
          const started = performance.now()
          const statements = splitStatements(migration.text)
          for (const [index, statement] of statements.entries()) {
            yield* sql.unsafe(statement).unprepared.pipe(
              Effect.mapError(
                (cause) =>
                  new MigrationError({
                    reason: new MigrationFailed({
                      message: `${migration.script}, statement ${index + 1} of ${statements.length} failed: ${String(
                        cause.cause ?? cause.message
                      )}\n  ${statement.split("\n")[0]}`,
                      cause
                    })
                  })
              )
            )
          }
          yield* sql`INSERT INTO ${sql(HISTORY)} (version, description, script, checksum, execution_time_ms)
        VALUES (${migration.version}, ${migration.description}, ${migration.script}, ${migration.checksum}, ${Math.round(
          performance.now() - started
        )})`
          return true
        })
      )
      if (ran) {
        appliedNow.push(migration)
        yield* Effect.logInfo(`${target}: applied ${migration.script}`)
      }
    }
    return { applied: appliedNow, current: migrations.at(-1)?.version ?? 0 }
  },
  (effect, _sql, target) =>
    Effect.mapError(effect, (e) =>
      e._tag === "MigrationError"
        ? e
        : new MigrationError({
            reason: new MigrationFailed({
              message: `Migrating the ${target.toUpperCase()} database failed: ${e.message}`,
              cause: e
            })
          })
    )
)

/** Migrates both databases: what `brewlytics migrate` and every service's start do. */
export const migrateAll = Effect.gen(function* () {
  const oltp = yield* migrate(yield* OltpSql, "oltp")
  const olap = yield* migrate(yield* OlapSql, "olap")
  return { oltp, olap }
})
