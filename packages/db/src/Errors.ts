import { Schema } from "effect"

/** The database could not be reached or prepared; `message` says what to do. */
export class DatabaseUnavailable extends Schema.TaggedError<DatabaseUnavailable>()("DatabaseUnavailable", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}
