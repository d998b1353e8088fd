import { Effect, Layer } from "effect"
import { RunnerLive } from "../runner/Loop.ts"
import { ClusterSettings } from "./Settings.ts"

/** The cluster runner, loaded only when asked for: a single runner does not carry effect/cluster. */
export const ClusterRunnerLive = Layer.unwrap(
  Effect.promise(() => import("./ClusterRunner.ts")).pipe(Effect.map((m) => m.ClusterRunnerLive))
)

/**
 * The long-lived runner as configured: with `PIPELINE_CLUSTER=true` it joins
 * the cluster (`ClusterRunnerLive`), else it is the single runner of before
 * (`RunnerLive`), unchanged.
 */
export const ConfiguredRunnerLive = Layer.unwrap(
  Effect.map(ClusterSettings, (settings) => (settings.enabled ? ClusterRunnerLive : RunnerLive))
).pipe(Layer.provide(ClusterSettings.layer))
