import { Schema } from "effect"

/**
 * Why talking to Metabase failed. `message` says what was wrong and what to do;
 * it never holds the admin password.
 * - Settings: a setting is missing or invalid;
 * - Unreachable: no answer (or never ready) within METABASE_WAIT;
 * - WrongCredentials: Metabase refused the admin's email and password (401);
 * - SetupRefused: the first-run setup was refused (token, password rules);
 * - UnexpectedResponse: a status or a body the sync does not expect.
 */
export class MetabaseError extends Schema.TaggedError<MetabaseError>()("MetabaseError", {
  reason: Schema.Literals(["Settings", "Unreachable", "WrongCredentials", "SetupRefused", "UnexpectedResponse"]),
  message: Schema.String
}) {}
