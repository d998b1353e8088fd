import { Schema } from "effect"

export class RunnerError extends Schema.TaggedError<RunnerError>()("RunnerError", {
  reason: Schema.Literals(["MigrationsDiffer", "UnknownPipeline", "BadSchedule", "Failed"]),
  message: Schema.String
}) {}
