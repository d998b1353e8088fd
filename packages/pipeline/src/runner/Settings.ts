import { apiToken } from "@brewlytics/db/AccessToken.ts"
import { Config, Context, Duration, Effect, Layer, Option, type Redacted, Schema } from "effect"
import { PIPELINES } from "../pipelines/Registry.ts"
import { parseSchedule, type ScheduleSpec } from "./Schedules.ts"

/** The runner's own settings, read through `Config` when it starts. */
export class RunnerSettings extends Context.Service<
  RunnerSettings,
  {
    /** The status endpoint's port (`RUNNER_PORT`, default 8001; 0 = any free port). */
    readonly port: number
    /** The status endpoint's address (`RUNNER_HOST`, default 127.0.0.1: this machine only). */
    readonly host: string
    /** `API_TOKEN`: set, `/status` needs `Authorization: Bearer <token>`, as the API's write routes do. */
    readonly token: Option.Option<Redacted.Redacted>
    /** Per pipeline: `PIPELINE_SCHEDULE_<NAME>` or the pipeline's default. */
    readonly schedules: ReadonlyMap<string, ScheduleSpec>
    /** How long a stop waits for the batch in flight to commit before rolling it back. */
    readonly stopGrace: Duration.Duration
    /**
     * Per pipeline run after another's loads, where `PIPELINE_AFTER_INTERVAL_<NAME>`
     * is set: the least time between two of its runs (else the pipeline's default).
     */
    readonly afterIntervals: ReadonlyMap<string, Duration.Duration>
    /**
     * `RUNNER_NICE` (0-19, default 10): the CPU niceness of the runner's thread
     * and of the warehouse's PostgreSQL sessions (`Priority.ts`), so that the
     * till's requests come first; 0 leaves every priority as it is.
     */
    readonly nice: number
  }
>()("@brewlytics/pipeline/RunnerSettings") {
  static readonly layer = Layer.effect(
    RunnerSettings,
    Effect.gen(function* () {
      const { port, host, token, stopGrace, nice } = yield* Config.all({
        // 0 is allowed (any free port), which Config.Port refuses.
        port: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), "RUNNER_PORT").pipe(
          Config.withDefault(8001)
        ),
        host: Config.String("RUNNER_HOST").pipe(Config.withDefault("127.0.0.1")),
        token: apiToken,
        stopGrace: Config.Duration("RUNNER_STOP_GRACE").pipe(Config.withDefault(Duration.seconds(30))),
        nice: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 19 })), "RUNNER_NICE").pipe(
          Config.withDefault(10)
        )
      })
      const schedules = new Map<string, ScheduleSpec>()
      const afterIntervals = new Map<string, Duration.Duration>()
      for (const [name, entry] of PIPELINES) {
        const text = yield* Config.String(`PIPELINE_SCHEDULE_${name.toUpperCase()}`).pipe(
          Config.withDefault(entry.schedule)
        )
        schedules.set(name, yield* parseSchedule(text))
        if (entry.after !== undefined) {
          // Only what is set: the runner falls back to the pipeline's own default.
          const interval = yield* Config.Duration(`PIPELINE_AFTER_INTERVAL_${name.toUpperCase()}`).pipe(Config.option)
          if (Option.isSome(interval)) afterIntervals.set(name, interval.value)
        }
      }
      return RunnerSettings.of({ port, host, token, schedules, stopGrace, afterIntervals, nice })
    })
  )
}
