/**
 * The original system's test data, as its k6 script and pytest fixtures drew
 * it: products named "<size> <drink>" (30 names), customers "<first> <last>"
 * with the e-mail first.last@example.com (100 e-mails), orders of 1–3 lines
 * of 1–5 each. Dependency-free: k6 and Node both import it. `random` is
 * injected (k6's and Node's `Math.random`, or a seeded one in tests).
 */

/** A number in [0, 1), as `Math.random` returns. */
export type Random = () => number

export const productBaseNames = [
  "Espresso",
  "Latte",
  "Cappuccino",
  "Flat White",
  "Mocha",
  "Cold Brew",
  "Chai Latte",
  "Americano",
  "Cortado",
  "Macchiato"
] as const

export const productSizes = ["Small", "Medium", "Large"] as const

export const firstNames = [
  "Alice",
  "Bob",
  "Priya",
  "John",
  "Maria",
  "Wei",
  "Ahmed",
  "Olivia",
  "Carlos",
  "Nina"
] as const

export const lastNames = [
  "Smith",
  "Patel",
  "Garcia",
  "Jones",
  "Khan",
  "Kim",
  "Chen",
  "Brown",
  "Singh",
  "Davis"
] as const

export const pick = <A>(random: Random, xs: ReadonlyArray<A>): A => xs[Math.floor(random() * xs.length)]!

/** An integer in [min, max], both included. */
export const randomInt = (random: Random, min: number, max: number): number =>
  Math.floor(random() * (max - min + 1)) + min

export interface NewProduct {
  readonly name: string
  readonly price: number
}

export interface NewCustomer {
  readonly name: string
  readonly email: string
}

export interface OrderLine {
  readonly product_id: number
  readonly quantity: number
}

export interface NewOrder {
  readonly customer_id: number
  readonly employee_id?: number
  readonly items: ReadonlyArray<OrderLine>
}

/** The k6 script's product: one of 30 names, a price in [2, 7) with two decimals. */
export const generateProduct = (random: Random): NewProduct => {
  const size = pick(random, productSizes)
  const base = pick(random, productBaseNames)
  return { name: `${size} ${base}`, price: +(random() * 5 + 2).toFixed(2) }
}

/** The k6 script's customer: one of 100 e-mails. */
export const generateCustomer = (random: Random): NewCustomer => {
  const first = pick(random, firstNames)
  const last = pick(random, lastNames)
  return { name: `${first} ${last}`, email: `${first.toLowerCase()}.${last.toLowerCase()}@example.com` }
}

/** The pytest fixture's customer: the same names, the e-mail made unique by a millisecond timestamp. */
export const generateFixtureCustomer = (random: Random, nowMillis: number): NewCustomer => {
  const first = pick(random, firstNames)
  const last = pick(random, lastNames)
  return { name: `${first} ${last}`, email: `${first.toLowerCase()}.${last.toLowerCase()}_${nowMillis}@example.com` }
}

/** The k6 script's order: a random customer, 1–3 lines of a random product, 1–5 each. */
export const generateOrder = (
  random: Random,
  customerIds: ReadonlyArray<number>,
  productIds: ReadonlyArray<number>
): NewOrder => {
  const customer_id = customerIds[randomInt(random, 0, customerIds.length - 1)]!
  const items: Array<OrderLine> = []
  const lines = randomInt(random, 1, 3)
  for (let i = 0; i < lines; i++) {
    items.push({
      product_id: productIds[randomInt(random, 0, productIds.length - 1)]!,
      quantity: randomInt(random, 1, 5)
    })
  }
  return { customer_id, items }
}

/**
 * A small seeded generator (mulberry32), for runs that must be repeatable:
 * the same seed gives the same customers, products and orders.
 */
export const seeded = (seed: number): Random => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
