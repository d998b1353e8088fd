import { Effect, Schema } from "effect"
import type { SqlError } from "effect/sql"

/*
 * What the shop's services refuse, one class per kind. Services know nothing
 * of HTTP: each `http.ts` maps a refusal onto the endpoint's declared error
 * (and so a status); `code` is the machine-readable case, `message` says what
 * was wrong and what to do.
 */
const refusal = { code: Schema.String, message: Schema.String }

/** The thing named does not exist. */
export class ShopNotFound extends Schema.TaggedError<ShopNotFound>()("ShopNotFound", refusal) {}

/** It would duplicate what exists (a customer's email). */
export class ShopDuplicate extends Schema.TaggedError<ShopDuplicate>()("ShopDuplicate", refusal) {}

/** Well-formed, but it names something unknown or unusable. */
export class ShopInvalid extends Schema.TaggedError<ShopInvalid>()("ShopInvalid", refusal) {}

/** It collides with the state of existing data (a cancelled order, a reused key). */
export class ShopConflict extends Schema.TaggedError<ShopConflict>()("ShopConflict", refusal) {}

export type ShopError = ShopNotFound | ShopDuplicate | ShopInvalid | ShopConflict

export const notFound = (entity: string, id: number) =>
  new ShopNotFound({
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
