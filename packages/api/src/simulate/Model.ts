import type { PaymentMethod } from "@brewlytics/domain/Sales.ts"
import { DAY, dayOf } from "./Calendar.ts"
import { simulateDay } from "./Day.ts"

/**
 * The café's day as data: a pure function from a seed, the shop's staff and
 * menu, and a time window to the events that happen in it. No I/O, no clock:
 * the same input gives the same events, and each day is drawn from its own
 * stream (seed, day), so a window's events do not depend on where it starts.
 *
 * Times are UTC epoch milliseconds; the shop keeps UTC hours, as the
 * warehouse's business dates do.
 */

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
