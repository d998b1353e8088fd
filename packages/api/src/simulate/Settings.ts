import { Config, Context, Effect, Layer } from "effect"

/** Whether `brewlytics start` simulates the café: a history on an empty shop, then live traffic. */
export class SimulationSettings extends Context.Service<
  SimulationSettings,
  {
    /** `SIMULATE=off` (or false, no, 0) turns it off. */
    readonly enabled: boolean
  }
>()("@brewlytics/api/SimulationSettings") {
  static readonly layer = Layer.effect(
    SimulationSettings,
    Effect.gen(function* () {
      return yield* Config.all({ enabled: Config.Boolean("SIMULATE").pipe(Config.withDefault(true)) })
    })
  )
}
