import * as Os from "node:os"
import { Config, Context, Duration, Effect, Layer, Schema } from "effect"

/** A runner's cluster settings, read through `Config` when it joins. */
export class ClusterSettings extends Context.Service<
  ClusterSettings,
  {
    /** `PIPELINE_CLUSTER`: the runner joins the cluster (as `pipeline run --cluster` does), e.g. under `start`. */
    readonly enabled: boolean
    /** `CLUSTER_HOST`: the name other runners reach this one by (default: this machine's host name). */
    readonly host: string
    /** `CLUSTER_PORT`: the port of this runner's cluster socket (default 34431); one per runner on a host. */
    readonly port: number
    /**
     * `CLUSTER_LEASE`: how long a runner's lease on its pipelines outlives its
     * last renewal (renewed every third of it). A runner silent that long
     * (killed, paused, cut off) loses its pipelines to the others.
     */
    readonly lease: Duration.Duration
  }
>()("@brewlytics/pipeline/ClusterSettings") {
  static readonly layer = Layer.effect(
    ClusterSettings,
    Effect.gen(function* () {
      const settings = yield* Config.all({
        enabled: Config.Boolean("PIPELINE_CLUSTER").pipe(Config.withDefault(false)),
        host: Config.String("CLUSTER_HOST").pipe(Config.withDefault(Os.hostname())),
        port: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 65535 })), "CLUSTER_PORT").pipe(
          Config.withDefault(34431)
        ),
        lease: Config.Duration("CLUSTER_LEASE").pipe(Config.withDefault(Duration.seconds(5)))
      })
      return ClusterSettings.of(settings)
    })
  )
}
