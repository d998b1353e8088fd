import type { PaymentMethod } from "@brewlytics/domain/Sales.ts"
import { between, chance, integer, normal, pick, poisson, rng, shuffled, weighted } from "./Random.ts"

/**
 * The café's day as data: a pure function from a seed, the shop's staff and
 * menu, and a time window to the events that happen in it. No I/O, no clock:
 * the same input gives the same events, and each day is drawn from its own
 * stream (seed, day), so a window's events do not depend on where it starts.
 *
 * Times are UTC epoch milliseconds; the shop keeps UTC hours, as the
 * warehouse's business dates do.
 */

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export type Category = "coffee" | "tea" | "pastry" | "food" | "other"

export interface MenuItem {
  readonly id: number
  readonly name: string
  readonly category: Category
}

/** What the shop has: the active staff (employee ids) and the products on sale. */
export interface World {
  readonly staff: ReadonlyArray<number>
  readonly menu: ReadonlyArray<MenuItem>
}

/** Who orders: a new sign-up (by the email of its `SignedUp` event) or a returning customer. */
export type CustomerChoice =
  | { readonly _tag: "New"; readonly email: string }
  /** `pick` in [0, 1) chooses among the customers known when the order is placed, skewed towards the first (the regulars). */
  | { readonly _tag: "Returning"; readonly pick: number }

export interface Line {
  readonly product: number
  readonly quantity: number
}

export type SimEvent =
  | { readonly _tag: "SignedUp"; readonly at: number; readonly name: string; readonly email: string }
  | {
      readonly _tag: "Ordered"
      readonly at: number
      /** Names the order for the follow-ups below. */
      readonly ref: string
      readonly customer: CustomerChoice
      readonly employee: number
      readonly items: ReadonlyArray<Line>
      readonly payment: PaymentMethod
    }
  | {
      readonly _tag: "ItemChanged"
      readonly at: number
      readonly order: string
      readonly line: number
      readonly quantity: number
    }
  | { readonly _tag: "ItemRemoved"; readonly at: number; readonly order: string; readonly line: number }
  | { readonly _tag: "Cancelled"; readonly at: number; readonly order: string }
  | { readonly _tag: "Received"; readonly at: number; readonly product: number; readonly quantity: number }
  | { readonly _tag: "Wasted"; readonly at: number; readonly product: number; readonly quantity: number }

export interface Shift {
  readonly employee: number
  readonly from: number
  readonly to: number
}

export interface Simulation {
  readonly shifts: ReadonlyArray<Shift>
  readonly events: ReadonlyArray<SimEvent>
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export const weekday = (day: number) => (((day + 4) % 7) + 7) % 7

export const dayOf = (at: number) => Math.floor(at / DAY)

/** Opening hours in UTC hours of the day: weekdays 07–19, Saturday 08–18, Sunday 09–16. */
export const openingHours = (day: number): { readonly open: number; readonly close: number } => {
  const w = weekday(day)
  if (w === 0) return { open: 9, close: 16 }
  if (w === 6) return { open: 8, close: 18 }
  return { open: 7, close: 19 }
}

const bump = (hour: number, centre: number, width: number) => Math.exp(-(((hour - centre) / width) ** 2) / 2)

/**
 * Orders per minute at a fractional hour of the day, before seasonality and
 * the day's own mood: a morning rush (7–9) and a lunch bump on weekdays,
 * quiet afternoons, a late brunch at weekends.
 */
export const intensity = (day: number, hour: number): number => {
  const { open, close } = openingHours(day)
  if (hour < open || hour >= close) return 0
  const w = weekday(day)
  if (w === 0) return 0.35 + 1.0 * bump(hour, 11, 1.3)
  if (w === 6) return 0.45 + 1.3 * bump(hour, 10.5, 1.2) + 0.3 * bump(hour, 14.5, 1)
  return 0.22 + 2.1 * bump(hour, 8, 0.6) + 1.0 * bump(hour, 12.5, 0.6) + 0.25 * bump(hour, 15.5, 0.5)
}

/** 0 in midwinter, 1 in midsummer (northern hemisphere), from the day of the year. */
export const summer = (day: number) => {
  const date = new Date(day * DAY)
  const dayOfYear = (day * DAY - Date.UTC(date.getUTCFullYear(), 0, 1)) / DAY
  return (1 - Math.cos((2 * Math.PI * (dayOfYear - 15)) / 365.25)) / 2
}

/** Busier in winter (hot drinks, indoors), about ±12%. */
export const seasonality = (day: number) => 1.12 - 0.24 * summer(day)

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

/**
 * Who works when: an early shift from opening to an hour past midday and a
 * late one from midday to closing (they overlap at the handover), rotating
 * through the staff day by day; weekdays' early shift is the biggest (the rush).
 */
export const shiftsOn = (day: number, staff: ReadonlyArray<number>): Array<Shift> => {
  if (staff.length === 0) return []
  const { open, close } = openingHours(day)
  const middle = Math.floor((open + close) / 2)
  const w = weekday(day)
  const early = Math.max(1, Math.min(staff.length, w === 0 || w === 6 ? 2 : 3))
  const late = Math.max(1, Math.min(staff.length, 2))
  const sorted = [...staff].sort((a, b) => a - b)
  const at = (i: number) => sorted[(((day + i) % sorted.length) + sorted.length) % sorted.length]!
  const start = day * DAY
  const shifts: Array<Shift> = []
  for (let i = 0; i < early; i++)
    shifts.push({ employee: at(i), from: start + open * HOUR, to: start + (middle + 1) * HOUR })
  for (let i = 0; i < late; i++) {
    shifts.push({ employee: at(early + i), from: start + middle * HOUR, to: start + close * HOUR })
  }
  return shifts
}

const onShift = (shifts: ReadonlyArray<Shift>, at: number) => shifts.filter((s) => s.from <= at && at < s.to)

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
  const popularity = basePopularity(seed, menu)
  const warm = summer(day)
  const mood = seasonality(day) * Math.exp(0.12 * normal(r))
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
      let customer: CustomerChoice
      if (chance(r, 0.035)) {
        const first = pick(r, FIRST)
        const last = pick(r, LAST)
        const email = `${ascii(first)}.${ascii(last)}.${(seed >>> 0).toString(36)}-${day.toString(36)}-${(signups++).toString(36)}@example.com`
        events.push({ _tag: "SignedUp", at, name: `${first} ${last}`, email })
        customer = { _tag: "New", email }
      } else {
        customer = { _tag: "Returning", pick: r.next() ** 2.2 }
      }
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
      // Now and then the till corrects an order a few minutes later.
      const later = Math.min(at + integer(r, 1, 10) * MINUTE + integer(r, 0, 59_999), closing - 1)
      const fate = r.next()
      if (fate < 0.015) events.push({ _tag: "Cancelled", at: later, order: ref })
      else if (fate < 0.05) {
        const line = integer(r, 0, items.length - 1)
        if (items.length > 1 && chance(r, 0.5)) events.push({ _tag: "ItemRemoved", at: later, order: ref, line })
        else {
          const quantity = items[line]!.quantity === 1 ? 2 : 1
          events.push({ _tag: "ItemChanged", at: later, order: ref, line, quantity })
        }
      }
    }
  }

  // Stock: the baker delivers fresh goods every morning, a little more than sells; drinks come twice a week.
  const deliveries = start + open * HOUR - 45 * MINUTE
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
  const all = [...stock.filter((e) => e.at < start + open * HOUR), ...events, ...stock.filter((e) => e.at >= closing)]
  // Stable: events at the same instant keep the order they were drawn in (a sign-up before its order).
  return {
    shifts,
    events: all
      .map((e, i) => [e, i] as const)
      .sort((a, b) => a[0].at - b[0].at || a[1] - b[1])
      .map(([e]) => e)
  }
}

/**
 * Every event in [from, to), in time order, with the shifts of the days it
 * touches. A follow-up whose order falls before `from` is left out: its order
 * is not in the window.
 */
export const simulate = (
  seed: number,
  world: World,
  window: { readonly from: number; readonly to: number }
): Simulation => {
  const shifts: Array<Shift> = []
  const events: Array<SimEvent> = []
  for (let day = dayOf(window.from); day * DAY < window.to; day++) {
    const d = simulateDay(seed, world, day)
    shifts.push(...d.shifts)
    const placed = new Set<string>()
    for (const e of d.events) {
      if (e.at < window.from || e.at >= window.to) continue
      if (e._tag === "Ordered") placed.add(e.ref)
      if ((e._tag === "ItemChanged" || e._tag === "ItemRemoved" || e._tag === "Cancelled") && !placed.has(e.order))
        continue
      events.push(e)
    }
  }
  return { shifts, events }
}
