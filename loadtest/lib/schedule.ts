/**
 * When each iteration of an open-model run starts. The rate r(t) is linear
 * within each stage (k6's ramping-arrival-rate), so the number of arrivals
 * by time t is N(t) = ∫₀ᵗ r, and iteration k (k = 0, 1, …) is due at the
 * time N reaches k. So any window [a, b) holds N(b) − N(a) iterations, give
 * or take one, however fast or slow the server answers. Dependency-free.
 */
import type { Scenario } from "./scenarios.ts"

/** The rate (iterations per second) at `seconds` into the run; 0 after the last stage. */
export const rateAt = (scenario: Scenario, seconds: number): number => {
  let from = scenario.start
  let t = seconds
  for (const stage of scenario.stages) {
    if (t < stage.seconds) return from + ((stage.target - from) * t) / stage.seconds
    t -= stage.seconds
    from = stage.target
  }
  return 0
}

/** Arrivals due by `seconds` into the run: N(t). */
export const arrivalsBy = (scenario: Scenario, seconds: number): number => {
  let from = scenario.start
  let t = seconds
  let n = 0
  for (const stage of scenario.stages) {
    const tau = Math.min(t, stage.seconds)
    n += from * tau + ((stage.target - from) * tau * tau) / (2 * stage.seconds)
    t -= tau
    if (t <= 0) return n
    from = stage.target
  }
  return n
}

/**
 * The due time of every iteration, in milliseconds from the start, ascending.
 * Within a stage, τ solves r₀τ + aτ² = c with a = (r₁ − r₀) / 2d, written in
 * the form that stays exact when a is 0 or negative.
 */
export const arrivalTimes = (scenario: Scenario): Float64Array => {
  const total = Math.ceil(arrivalsBy(scenario, Number.POSITIVE_INFINITY) - 1e-9)
  const times = new Float64Array(Math.max(0, total))
  let k = 0
  let offset = 0
  let before = 0
  let from = scenario.start
  for (const stage of scenario.stages) {
    const a = (stage.target - from) / (2 * stage.seconds)
    const inStage = from * stage.seconds + a * stage.seconds * stage.seconds
    while (k < total && k < before + inStage) {
      const c = k - before
      const root = Math.sqrt(Math.max(0, from * from + 4 * a * c))
      const tau = c === 0 ? 0 : (2 * c) / (from + root)
      times[k++] = (offset + Math.min(tau, stage.seconds)) * 1000
    }
    before += inStage
    offset += stage.seconds
    from = stage.target
  }
  return times
}
