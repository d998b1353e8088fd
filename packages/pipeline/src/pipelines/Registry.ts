import type { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import type { Effect } from "effect"
import type { SqlError } from "effect/sql/SqlError"
import { lag } from "../cdc/Cdc.ts"
import type { CdcPrefetch } from "../cdc/Prefetch.ts"
import { type CdcError, CHANGES_CHANNEL, type Lag } from "../cdc/Types.ts"
import type { Pipeline, PipelineRun } from "../dsl/Pipeline.ts"
import { cdcToStar, cdcWakeup } from "./CdcToStar.ts"
import { modelsLag, warehouseModels } from "./WarehouseModels.ts"

/** What a registered pipeline's steps may require: the runner provides these (and `PipelineRun`, per run). */
export type PipelineServices = OltpSql | OlapSql | CdcPrefetch | PipelineRun

/** A pipeline as the runner schedules it. */
export interface Registered {
  // biome-ignore lint/suspicious/noExplicitAny: each pipeline has an output of its own
  readonly pipeline: Pipeline<any, PipelineServices>
  /** `Schedule` spacing ("5 seconds") or a cron expression ("*\/5 * * * *"); overridable by config. */
  readonly schedule: string
  /** A LISTEN/NOTIFY channel on OLTP that wakes the pipeline at once. */
  readonly notifyChannel?: string
  /**
   * Turns the channel's notifications on (arm) and off (disarm): the runner
   * disarms while it is working through changes and arms when it waits.
   */
  readonly wakeup?: {
    readonly arm: Effect.Effect<void, SqlError, OltpSql>
    readonly disarm: Effect.Effect<void, SqlError, OltpSql>
  }
  /** How far behind the pipeline is, for `status`. */
  readonly lag?: Effect.Effect<Lag, SqlError | CdcError, OltpSql | OlapSql>
  /** What its lag counts (default "events"), for `status` to say. */
  readonly lagUnit?: string
  /**
   * Also run after each run of that pipeline that wrote rows: coalesced (a
   * burst of its runs leaves at most one run of this one pending) and at
   * least `minInterval` apart (`PIPELINE_AFTER_INTERVAL_<NAME>` overrides it).
   */
  readonly after?: { readonly pipeline: string; readonly minInterval: string }
}

/** Every pipeline the runner and the CLI know, by name. */
export const PIPELINES: ReadonlyMap<string, Registered> = new Map([
  [
    cdcToStar.name,
    {
      pipeline: cdcToStar,
      // NOTIFY carries the load; the schedule is the safety net for a missed notification.
      schedule: "5 seconds",
      notifyChannel: CHANGES_CHANNEL,
      wakeup: cdcWakeup,
      lag: lag(cdcToStar.name),
      lagUnit: "events"
    }
  ],
  [
    warehouseModels.name,
    {
      pipeline: warehouseModels,
      // The loads drive it; the schedule catches writes the runner did not make (a backfill from the CLI, psql).
      schedule: "15 minutes",
      // Marts within seconds of the facts, while a busy shop's loads (several a second) cost
      // one models run per interval, not one per load.
      after: { pipeline: cdcToStar.name, minInterval: "10 seconds" },
      lag: modelsLag,
      lagUnit: "changed days"
    }
  ]
])

export const pipelineNames = () => [...PIPELINES.keys()].join(", ")
