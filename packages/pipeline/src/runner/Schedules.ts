import { Cron, Duration, Effect, Option, Schedule } from "effect"
import type { Registered } from "../pipelines/Registry.ts"
import { BadSchedule, RunnerError } from "./Errors.ts"

/** A schedule as configured: its text (for status) and the `Schedule` it means. */
export interface ScheduleSpec {
  readonly text: string
  readonly schedule: Schedule.Schedule<unknown>
}

const CRON_FIELDS = /^\S+(\s+\S+){4,5}$/

/** "5 seconds" → `Schedule.spaced`; "*\/5 * * * *" (5 or 6 fields) → `Schedule.cron`. */
export const parseSchedule = (text: string): Effect.Effect<ScheduleSpec, RunnerError> => {
  const trimmed = text.trim()
  if (CRON_FIELDS.test(trimmed) && !/^\d+(\.\d+)?\s+\w+$/.test(trimmed)) {
    return Effect.mapError(
      Effect.fromResult(Cron.parse(trimmed, "UTC")),
      (e) =>
        new RunnerError({
          reason: new BadSchedule({
            message: `"${text}" is not a valid cron expression (${e.message}): use 5 fields such as "*/5 * * * *", or a spacing such as "5 seconds".`
          })
        })
    ).pipe(Effect.map((cron) => ({ text: trimmed, schedule: Schedule.cron(cron) as Schedule.Schedule<unknown> })))
  }
  return Option.match(Duration.fromInput(trimmed as Duration.Input), {
    onNone: () =>
      Effect.fail(
        new RunnerError({
          reason: new BadSchedule({
            message: `"${text}" is neither a spacing such as "5 seconds" nor a cron expression such as "*/5 * * * *": fix it.`
          })
        })
      ),
    onSome: (every) => Effect.succeed({ text: `every ${Duration.format(every)}`, schedule: Schedule.spaced(every) })
  })
}

/** A registered pipeline's default least interval between its runs after another's loads. */
export const afterInterval = (after: NonNullable<Registered["after"]>): Duration.Duration =>
  Option.getOrElse(Duration.fromInput(after.minInterval as Duration.Input), () => Duration.seconds(10))
