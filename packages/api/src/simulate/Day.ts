import type { PaymentMethod } from "@brewlytics/domain/Sales.ts"
import {
  DAY,
  HOUR,
  intensity,
  MINUTE,
  onShift,
  openingHours,
  seasonality,
  shiftsOn,
  summer,
  weekday
} from "./Calendar.ts"
import type { Category, CustomerChoice, Line, MenuItem, Shift, SimEvent, Simulation, World } from "./Model.ts"
import { between, chance, integer, normal, pick, poisson, type Rng, rng, shuffled, weighted } from "./Random.ts"

/**
 * One day of the café drawn from its own random stream. The draws are made in
 * a fixed order (each order's customer, basket, till and follow-up, then the
 * day's stock), so the same seed and day always give the same events.
 */

const CATEGORY_POPULARITY: Record<Category, number> = { coffee: 1, tea: 0.4, pastry: 0.55, food: 0.45, other: 0.25 }

/** How a category sells at a time of day, relative to its usual. */
const daypart = (category: Category, hour: number) => {
  if (hour < 11) return category === "pastry" ? 1.6 : category === "food" ? 0.5 : category === "coffee" ? 1.2 : 1
  if (hour < 14) return category === "food" ? 2.6 : category === "pastry" ? 0.6 : 1
  return category === "tea" ? 1.4 : category === "pastry" ? 1.2 : category === "food" ? 0.4 : 1
}

const COLD = /cold|juice|sparkling|iced/i
const WARMING = /hot chocolate|soup/i

/** Long-tailed popularity: Zipf within each category over a seeded order, so every seed has its best sellers. */
const basePopularity = (seed: number, menu: ReadonlyArray<MenuItem>) => {
  const ranked = shuffled(
    rng(seed, 0x6d656e75),
    [...menu].sort((a, b) => a.id - b.id)
  )
  const rank = new Map<Category, number>()
  const weights = new Map<number, number>()
  for (const item of ranked) {
    const r = rank.get(item.category) ?? 0
    rank.set(item.category, r + 1)
    weights.set(item.id, CATEGORY_POPULARITY[item.category] / (r + 1) ** 1.1)
  }
  return weights
}

const BASKET_SIZES = [0.52, 0.3, 0.12, 0.045, 0.015]
const PAYMENTS: ReadonlyArray<PaymentMethod> = ["card", "mobile", "cash"]
const FIRST =
  "Ada Ben Chloé Dev Eva Farid Grace Hugo Ines Jonas Kemi Lena Marco Nia Oskar Pia Rafael Sofia Theo Yara".split(" ")
const LAST =
  "Abbott Bianchi Chen Diallo Eriksen Fischer García Haddad Ivanova Jansen Kim Lopez Müller Novak Okoye Patel Quinn Rossi Silva Tanaka".split(
    " "
  )

const ascii = (s: string) =>
  s
    .normalize("NFD")
    .replace(/[^a-zA-Z]/g, "")
    .toLowerCase()

/** What every order of the day draws from. */
interface DayContext {
  readonly r: Rng
  readonly seed: number
  readonly day: number
  readonly menu: ReadonlyArray<MenuItem>
  readonly shifts: ReadonlyArray<Shift>
  readonly closing: number
}

/** Who orders: now and then (3.5%) a new sign-up, numbered `signup` within the day; else a returning customer. */
const drawCustomer = (
  { r, seed, day }: DayContext,
  at: number,
  signup: number
): { readonly signedUp: SimEvent | undefined; readonly customer: CustomerChoice } => {
  if (chance(r, 0.035)) {
    const first = pick(r, FIRST)
    const last = pick(r, LAST)
    const email = `${ascii(first)}.${ascii(last)}.${(seed >>> 0).toString(36)}-${day.toString(36)}-${signup.toString(36)}@example.com`
    return { signedUp: { _tag: "SignedUp", at, name: `${first} ${last}`, email }, customer: { _tag: "New", email } }
  }
  return { signedUp: undefined, customer: { _tag: "Returning", pick: r.next() ** 2.2 } }
}

/** A basket of distinct products, drawn by `weights`; each unit is counted in `sold`. */
const drawBasket = (
  { r, menu }: DayContext,
  weights: ReadonlyArray<number>,
  sold: Map<number, number>
): Array<Line> => {
  const lines = 1 + weighted(r, BASKET_SIZES)
  const left = [...weights]
  const items: Array<Line> = []
  for (let i = 0; i < lines; i++) {
    const k = weighted(r, left)
    if (left[k] === 0) break
    left[k] = 0
    const quantity = chance(r, 0.88) ? 1 : chance(r, 0.8) ? 2 : 3
    items.push({ product: menu[k]!.id, quantity })
    sold.set(menu[k]!.id, (sold.get(menu[k]!.id) ?? 0) + quantity)
  }
  return items
}

/** Now and then the till corrects an order a few minutes later: a cancellation, a removed or a changed line. */
const drawFollowUp = (
  { r, closing }: DayContext,
  ref: string,
  at: number,
  items: ReadonlyArray<Line>
): SimEvent | undefined => {
  const later = Math.min(at + integer(r, 1, 10) * MINUTE + integer(r, 0, 59_999), closing - 1)
  const fate = r.next()
  if (fate < 0.015) return { _tag: "Cancelled", at: later, order: ref }
  if (fate >= 0.05) return undefined
  const line = integer(r, 0, items.length - 1)
  if (items.length > 1 && chance(r, 0.5)) return { _tag: "ItemRemoved", at: later, order: ref, line }
  const quantity = items[line]!.quantity === 1 ? 2 : 1
  return { _tag: "ItemChanged", at: later, order: ref, line, quantity }
}

/** The orders of the opening hours, minute by minute, with their sign-ups and follow-ups; and the units sold. */
const drawOrders = (ctx: DayContext, mood: number) => {
  const { r, seed, day, menu, shifts } = ctx
  const { open, close } = openingHours(day)
  const start = day * DAY
  const popularity = basePopularity(seed, menu)
  const warm = summer(day)
  const seasonal = (item: MenuItem) =>
    COLD.test(item.name) ? 0.4 + 1.6 * warm : WARMING.test(item.name) ? 1.5 - 0.9 * warm : 1
  const events: Array<SimEvent> = []
  const sold = new Map<number, number>()
  let orders = 0
  let signups = 0
  for (let minute = open * 60; minute < close * 60; minute++) {
    const hour = minute / 60
    const count = poisson(r, intensity(day, hour + 1 / 120) * mood)
    const weights = menu.map((m) => popularity.get(m.id)! * daypart(m.category, hour) * seasonal(m))
    const times = Array.from({ length: count }, () => start + minute * MINUTE + Math.floor(r.next() * MINUTE)).sort(
      (a, b) => a - b
    )
    for (const at of times) {
      const ref = `${day}.${orders++}`
      const { signedUp, customer } = drawCustomer(ctx, at, signups)
      if (signedUp !== undefined) {
        signups++
        events.push(signedUp)
      }
      const items = drawBasket(ctx, weights, sold)
      const staffed = onShift(shifts, at)
      events.push({
        _tag: "Ordered",
        at,
        ref,
        customer,
        employee: pick(r, staffed).employee,
        items,
        payment: PAYMENTS[weighted(r, [0.58, 0.27, 0.15])]!
      })
      const followUp = drawFollowUp(ctx, ref, at, items)
      if (followUp !== undefined) events.push(followUp)
    }
  }
  return { events, sold }
}

/** Stock: the baker delivers fresh goods every morning, a little more than sells; drinks come twice a week. */
const drawStock = ({ r, day, menu, closing }: DayContext, sold: ReadonlyMap<number, number>): Array<SimEvent> => {
  const deliveries = day * DAY + openingHours(day).open * HOUR - 45 * MINUTE
  const afterClose = closing + 10 * MINUTE
  const w = weekday(day)
  const stock: Array<SimEvent> = []
  const drinks = menu.filter((m) => m.category !== "pastry" && m.category !== "food")
  for (const item of [...menu].sort((a, b) => a.id - b.id)) {
    const units = sold.get(item.id) ?? 0
    if (item.category === "pastry" || item.category === "food") {
      const baked = Math.ceil(units * between(r, 1.05, 1.3)) + 1
      stock.push({ _tag: "Received", at: deliveries, product: item.id, quantity: baked })
      if (baked > units) stock.push({ _tag: "Wasted", at: afterClose, product: item.id, quantity: baked - units })
    } else if (w === 1 || w === 4) {
      stock.push({
        _tag: "Received",
        at: deliveries,
        product: item.id,
        quantity: Math.ceil(units * 4 * between(r, 1, 1.2)) + 5
      })
    }
  }
  for (let i = 0; i < 2 && drinks.length > 0; i++) {
    if (chance(r, 0.5))
      stock.push({ _tag: "Wasted", at: afterClose, product: pick(r, drinks).id, quantity: integer(r, 1, 2) })
  }
  return stock
}

/** Stable: events at the same instant keep the order they were drawn in (a sign-up before its order). */
const inTimeOrder = (events: ReadonlyArray<SimEvent>): Array<SimEvent> =>
  events
    .map((e, i) => [e, i] as const)
    .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
    .map(([e]) => e)

/** One day of the café, start to end: deliveries before opening, orders and their follow-ups, waste after closing. */
export const simulateDay = (seed: number, world: World, day: number): Simulation => {
  const r = rng(seed, day)
  const shifts = shiftsOn(day, world.staff)
  // In id order, so that the events do not depend on the order the menu was listed in.
  const menu = [...world.menu].sort((a, b) => a.id - b.id)
  if (shifts.length === 0 || menu.length === 0) return { shifts, events: [] }
  const { open, close } = openingHours(day)
  const start = day * DAY
  const closing = start + close * HOUR
  const ctx: DayContext = { r, seed, day, menu, shifts, closing }
  const mood = seasonality(day) * Math.exp(0.12 * normal(r))
  const { events, sold } = drawOrders(ctx, mood)
  const stock = drawStock(ctx, sold)
  const all = [...stock.filter((e) => e.at < start + open * HOUR), ...events, ...stock.filter((e) => e.at >= closing)]
  return { shifts, events: inTimeOrder(all) }
}
