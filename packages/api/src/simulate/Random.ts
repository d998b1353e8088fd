/**
 * A small seeded pseudo-random generator (sfc32, seeded through splitmix32):
 * the same seed and stream give the same numbers on every machine, so a
 * simulation is reproducible. Not for anything secret.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  readonly next: () => number
}

const splitmix32 = (state: number) => {
  let z = (state + 0x9e3779b9) | 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}

/** A generator for `seed` and a stream (e.g. a day number): streams are independent of each other. */
export const rng = (seed: number, ...stream: ReadonlyArray<number>): Rng => {
  let h = splitmix32(seed >>> 0)
  for (const s of stream) h = splitmix32(h ^ (s >>> 0) ^ Math.floor(s / 2 ** 32))
  let a = splitmix32(h)
  let b = splitmix32(a)
  let c = splitmix32(b)
  let d = 1
  const next = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return (t >>> 0) / 4294967296
  }
  // The first outputs of a fresh state are poorly mixed.
  for (let i = 0; i < 12; i++) next()
  return { next }
}

export const between = (r: Rng, low: number, high: number) => low + (high - low) * r.next()

export const chance = (r: Rng, p: number) => r.next() < p

/** Uniform integer in [low, high]. */
export const integer = (r: Rng, low: number, high: number) => low + Math.floor(r.next() * (high - low + 1))

export const pick = <A>(r: Rng, items: ReadonlyArray<A>): A => items[Math.floor(r.next() * items.length)]!

/** An index drawn with probability proportional to its weight (weights ≥ 0, at least one > 0). */
export const weighted = (r: Rng, weights: ReadonlyArray<number>): number => {
  let total = 0
  for (const w of weights) total += w
  let x = r.next() * total
  for (let i = 0; i < weights.length; i++) {
    x -= weights[i]!
    if (x < 0 && weights[i]! > 0) return i
  }
  let last = weights.length - 1
  while (last > 0 && weights[last] === 0) last--
  return last
}

/** Standard normal (Box–Muller). */
export const normal = (r: Rng) => Math.sqrt(-2 * Math.log(1 - r.next())) * Math.cos(2 * Math.PI * r.next())

/** Poisson-distributed count with mean `mean` (Knuth; the means here are small). */
export const poisson = (r: Rng, mean: number) => {
  if (mean <= 0) return 0
  const limit = Math.exp(-mean)
  let k = 0
  let p = r.next()
  while (p > limit) {
    k++
    p *= r.next()
  }
  return k
}

/** A copy of `items` in a seeded random order (Fisher–Yates). */
export const shuffled = <A>(r: Rng, items: ReadonlyArray<A>): Array<A> => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r.next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
