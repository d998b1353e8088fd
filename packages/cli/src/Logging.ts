import { Cause, Config, Effect, Layer, Logger, Option, Runtime, Schema } from "effect"

/** How log lines are written: readable lines for a person at a terminal, JSON lines for a collector. */
export const LogFormat = Schema.Literals(["pretty", "json"])
export type LogFormat = typeof LogFormat.Type

/** `LOG_FORMAT` when set; otherwise readable lines when stdout is a terminal, JSON lines when it is not. */
export const chooseLogFormat = (setting: Option.Option<LogFormat>, stdoutIsTty: boolean): LogFormat =>
  Option.getOrElse(setting, () => (stdoutIsTty ? "pretty" : "json"))

/** The one logger of a format, for a thread that is told the format rather than looking at a terminal. */
export const loggerOf = (format: LogFormat) =>
  Logger.layer([format === "json" ? Logger.consoleJson : Logger.consolePretty()])

/** A `LOG_FORMAT` that names no format. */
export class LogFormatError extends Schema.TaggedError<LogFormatError>()("LogFormatError", {
  message: Schema.String
}) {}

/** The format this process logs in, from `LOG_FORMAT` and whether stdout is a terminal. */
export const logFormat = Effect.gen(function* () {
  const setting = yield* Config.option(Config.schema(LogFormat, "LOG_FORMAT")).pipe(
    Effect.mapError(
      () =>
        new LogFormatError({
          message: "LOG_FORMAT must be pretty or json (or unset: pretty on a terminal, json otherwise)."
        })
    )
  )
  return chooseLogFormat(setting, process.stdout.isTTY === true)
})

/** The logger of every `brewlytics` command: chosen once, here. */
export const LoggerLive = Layer.unwrap(Effect.map(logFormat, loggerOf))

/** Logs a failure as `runMain` would (not an interruption, nor one already shown), but through the logger in scope. */
const reportFailure = <E>(cause: Cause.Cause<E>) =>
  Cause.hasInterruptsOnly(cause) || !Runtime.getErrorReported(Cause.squash(cause))
    ? Effect.void
    : Effect.logError(cause)

/**
 * Runs `program` with the logger of this process's format, its failure
 * reported in that format too; run it with `runMain`'s own reporting off.
 * A bad `LOG_FORMAT` is reported with the default logger, there being no other.
 */
export const withLogging = <A, E, R>(program: Effect.Effect<A, E, R>) =>
  logFormat.pipe(
    Effect.tapCause(reportFailure),
    Effect.flatMap((format) => program.pipe(Effect.tapCause(reportFailure), Effect.provide(loggerOf(format))))
  )
