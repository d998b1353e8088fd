import { Schema } from "effect"

/** The databases' applied migrations are not the ones this build ships. */
export class MigrationsDiffer extends Schema.TaggedError<MigrationsDiffer>()("MigrationsDiffer", {
  message: Schema.String
}) {}

/** No pipeline of that name is registered. */
export class UnknownPipeline extends Schema.TaggedError<UnknownPipeline>()("UnknownPipeline", {
  message: Schema.String
}) {}

/** A configured schedule is neither a spacing nor a cron expression. */
export class BadSchedule extends Schema.TaggedError<BadSchedule>()("BadSchedule", { message: Schema.String }) {}

/** A run, a request to the runner or the runner's thread failed. */
export class RunnerFailed extends Schema.TaggedError<RunnerFailed>()("RunnerFailed", { message: Schema.String }) {}

/** Why the runner refused or stopped: the reason is one of the tagged errors above, and carries the message. */
export class RunnerError extends Schema.TaggedError<RunnerError>()("RunnerError", {
  reason: Schema.Union([MigrationsDiffer, UnknownPipeline, BadSchedule, RunnerFailed])
}) {
  override get message() {
    return this.reason.message
  }
}
