import { Schema } from "effect"

// Why talking to Metabase failed. Each reason's `message` says what was wrong
// and what to do; it never holds the admin password.

/** A setting is missing or invalid. */
export class BadSettings extends Schema.TaggedError<BadSettings>()("BadSettings", { message: Schema.String }) {}

/** No answer (or never ready) within METABASE_WAIT. */
export class Unreachable extends Schema.TaggedError<Unreachable>()("Unreachable", { message: Schema.String }) {}

/** Metabase refused the admin's email and password (401). */
export class WrongCredentials extends Schema.TaggedError<WrongCredentials>()("WrongCredentials", {
  message: Schema.String
}) {}

/** The first-run setup was refused (token, password rules). */
export class SetupRefused extends Schema.TaggedError<SetupRefused>()("SetupRefused", { message: Schema.String }) {}

/** A status or a body the sync does not expect. */
export class UnexpectedResponse extends Schema.TaggedError<UnexpectedResponse>()("UnexpectedResponse", {
  message: Schema.String
}) {}

/** Why talking to Metabase failed: the reason is one of the tagged errors above, and carries the message. */
export class MetabaseError extends Schema.TaggedError<MetabaseError>()("MetabaseError", {
  reason: Schema.Union([BadSettings, Unreachable, WrongCredentials, SetupRefused, UnexpectedResponse])
}) {
  override get message() {
    return this.reason.message
  }
}
