import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql"

/**
 * What the shop's services refuse, and why. Services know nothing of HTTP:
 * each `http.ts` maps a reason onto the endpoint's declared error (and so a
 * status); `code` is the machine-readable case, `message` says what was wrong
 * and what to do.
 */
export class ShopError extends Schema.TaggedError<ShopError>()("ShopError", {
  reason: Schema.Literals(["NotFound", "Duplicate", "Invalid", "Conflict"]),
  code: Schema.String,
  message: Schema.String
}) {}

export const notFound = (entity: string, id: number) =>
  new ShopError({
    reason: "NotFound",
    code: `${entity.replace(/ /g, "_")}_not_found`,
    message: `There is no ${entity} with id ${id}.`
  })

/** Decodes rows the database built as API JSON; a mismatch is a bug, not a client mistake. */
export const decodeRow =
  // biome-ignore lint/suspicious/noExplicitAny: any schema whose decoding needs no services
    <S extends Schema.Codec<any, any, never, never>>(schema: S) =>
    (row: unknown): Effect.Effect<S["Type"]> =>
      Effect.orDie(Schema.decodeUnknownEffect(schema)(row))

/**
 * Unexpected SQL failures are defects of the request: the HTTP layer answers
 * 503 when the database is unreachable or timed out (retryable), 500 otherwise.
 */
export const orDieSql = <A, E, R>(effect: Effect.Effect<A, E | SqlError.SqlError, R>) =>
  Effect.catchTag(effect, "SqlError", (e) => Effect.die(e)) as Effect.Effect<A, Exclude<E, SqlError.SqlError>, R>

export const isUniqueViolation = (error: SqlError.SqlError) => error.reason._tag === "UniqueViolation"
