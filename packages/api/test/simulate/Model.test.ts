import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { DAY, dayOf, HOUR, openingHours, weekday } from "../../src/simulate/Calendar.ts"
import { type MenuItem, type SimEvent, simulate, type World } from "../../src/simulate/Model.ts"

const CATEGORIES = ["coffee", "tea", "pastry", "food", "other"] as const

const world = fc
  .record({
    staff: fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 9 }),
    menu: fc.uniqueArray(
      fc.record({
        id: fc.integer({ min: 1, max: 10_000 }),
        name: fc.constantFrom("Latte", "Cold Brew", "Croissant", "Tomato Soup", "Green Tea", "Orange Juice"),
        category: fc.constantFrom(...CATEGORIES)
      }),
      { minLength: 1, maxLength: 45, selector: (m) => m.id }
    )
  })
  .map((w): World => ({ staff: w.staff, menu: w.menu as ReadonlyArray<MenuItem> }))

// Days from 2020 to 2035, windows of up to three days starting at any minute.
const window = fc
  .record({
    day: fc.integer({ min: 18_262, max: 23_741 }),
    minute: fc.integer({ min: 0, max: 1439 }),
    length: fc.integer({ min: 1, max: 3 * 1440 })
  })
  .map(({ day, minute, length }) => ({ from: day * DAY + minute * 60_000, to: day * DAY + (minute + length) * 60_000 }))

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 })

const orders = (events: ReadonlyArray<SimEvent>) =>
  events.filter((e): e is Extract<SimEvent, { _tag: "Ordered" }> => e._tag === "Ordered")

describe("the simulation model", () => {
  it("the same seed gives the same events; another seed, other events", () => {
    fc.assert(
      fc.property(seed, world, window, (s, w, win) => {
        assert.deepStrictEqual(simulate(s, w, win), simulate(s, w, win))
      }),
      { numRuns: 40 }
    )
    const w: World = {
      staff: [1, 2, 3],
      menu: [
        { id: 1, name: "Latte", category: "coffee" },
        { id: 2, name: "Croissant", category: "pastry" }
      ]
    }
    const day = { from: 20_000 * DAY, to: 20_001 * DAY }
    assert.notDeepEqual(simulate(1, w, day).events, simulate(2, w, day).events)
  })

  it("the order the staff and menu are listed in does not matter", () => {
    fc.assert(
      fc.property(seed, world, window, (s, w, win) => {
        const reversed: World = { staff: [...w.staff].reverse(), menu: [...w.menu].reverse() }
        assert.deepStrictEqual(simulate(s, reversed, win), simulate(s, w, win))
      }),
      { numRuns: 25 }
    )
  })

  it("a window's events are those of the days it covers, wherever it starts", () => {
    fc.assert(
      fc.property(seed, world, window, fc.integer({ min: 1, max: 1439 }), (s, w, win, cut) => {
        const middle = Math.min(win.to, win.from + cut * 60_000)
        const whole = simulate(s, w, win).events.map((e) => JSON.stringify(e))
        const parts = [
          ...simulate(s, w, { from: win.from, to: middle }).events,
          ...simulate(s, w, { from: middle, to: win.to }).events
        ].map((e) => JSON.stringify(e))
        const inWhole = new Set(whole)
        for (const p of parts) assert.isTrue(inWhole.has(p))
        // Splitting may only drop follow-ups whose order fell in the first part.
        const inParts = new Set(parts)
        for (const e of whole.filter((e) => !inParts.has(e)))
          assert.match(e, /"_tag":"(Cancelled|ItemChanged|ItemRemoved)"/)
        assert.deepStrictEqual(
          parts.filter((e) => e.includes('"_tag":"Ordered"')),
          whole.filter((e) => e.includes('"_tag":"Ordered"'))
        )
      }),
      { numRuns: 25 }
    )
  })

  it("no order outside opening hours; every order's employee is on shift; events in time order inside the window", () => {
    fc.assert(
      fc.property(seed, world, window, (s, w, win) => {
        const { events, shifts } = simulate(s, w, win)
        for (let i = 1; i < events.length; i++) assert.isAtLeast(events[i]!.at, events[i - 1]!.at)
        for (const e of events) {
          assert.isAtLeast(e.at, win.from)
          assert.isBelow(e.at, win.to)
        }
        for (const o of orders(events)) {
          const day = dayOf(o.at)
          const { open, close } = openingHours(day)
          const hour = (o.at - day * DAY) / HOUR
          assert.isTrue(
            hour >= open && hour < close,
            `order at ${new Date(o.at).toISOString()} outside ${open}-${close}`
          )
          assert.isTrue(
            shifts.some((sh) => sh.employee === o.employee && sh.from <= o.at && o.at < sh.to),
            `employee ${o.employee} is not on shift at ${new Date(o.at).toISOString()}`
          )
          assert.isTrue(w.staff.includes(o.employee))
          assert.isAtLeast(o.items.length, 1)
          assert.strictEqual(new Set(o.items.map((l) => l.product)).size, o.items.length)
          for (const l of o.items) assert.isTrue(w.menu.some((m) => m.id === l.product))
        }
      }),
      { numRuns: 40 }
    )
  })

  it("follow-ups come after their order, name a line it has, and never remove the last line", () => {
    fc.assert(
      fc.property(seed, world, window, (s, w, win) => {
        const { events } = simulate(s, w, win)
        const placed = new Map(orders(events).map((o) => [o.ref, o]))
        const followed = new Set<string>()
        for (const e of events) {
          if (e._tag !== "Cancelled" && e._tag !== "ItemChanged" && e._tag !== "ItemRemoved") continue
          const o = placed.get(e.order)
          assert.isDefined(o)
          assert.isAtLeast(e.at, o!.at)
          assert.isFalse(followed.has(e.order), "one follow-up per order")
          followed.add(e.order)
          if (e._tag !== "Cancelled") assert.isBelow(e.line, o!.items.length)
          if (e._tag === "ItemRemoved") assert.isAtLeast(o!.items.length, 2)
          if (e._tag === "ItemChanged") assert.notStrictEqual(e.quantity, o!.items[e.line]!.quantity)
        }
      }),
      { numRuns: 40 }
    )
  })

  it("on average the morning rush is busier than the afternoon, and weekdays differ from weekends", () => {
    fc.assert(
      fc.property(seed, world, fc.integer({ min: 18_262, max: 23_700 }), (s, w, start) => {
        // Four weeks from a Monday.
        const monday = start + ((8 - weekday(start)) % 7)
        const { events } = simulate(s, w, { from: monday * DAY, to: (monday + 28) * DAY })
        const perHour = (from: number, to: number, weekdays: boolean) => {
          const hits = orders(events).filter((o) => {
            const d = dayOf(o.at)
            const h = (o.at - d * DAY) / HOUR
            const wd = weekday(d) >= 1 && weekday(d) <= 5
            return wd === weekdays && h >= from && h < to
          })
          return hits.length / (to - from)
        }
        assert.isAbove(perHour(7, 9, true), 2 * perHour(14, 17, true))
        assert.isAbove(perHour(11.5, 13.5, true), perHour(14, 17, true))
        // Weekends have no 7 o'clock rush: Saturday opens at 8, Sunday at 9.
        assert.strictEqual(perHour(7, 8, false), 0)
        // Returning customers are most of the orders, and some people sign up.
        const all = orders(events)
        const returning = all.filter((o) => o.customer._tag === "Returning").length
        assert.isAbove(returning, 0.9 * all.length)
        assert.isAbove(events.filter((e) => e._tag === "SignedUp").length, 0)
      }),
      { numRuns: 10 }
    )
  })

  it("popularity is long-tailed: the best seller sells far more than the median product", () => {
    fc.assert(
      fc.property(seed, (s) => {
        const menu: Array<MenuItem> = Array.from({ length: 30 }, (_, i) => ({
          id: i + 1,
          name: `Item ${i}`,
          category: "coffee"
        }))
        const { events } = simulate(s, { staff: [1, 2], menu }, { from: 20_000 * DAY, to: 20_014 * DAY })
        const units = new Map<number, number>()
        for (const o of orders(events))
          for (const l of o.items) units.set(l.product, (units.get(l.product) ?? 0) + l.quantity)
        const sorted = [...units.values()].sort((a, b) => b - a)
        assert.isAbove(sorted[0]!, 4 * sorted[Math.floor(sorted.length / 2)]!)
      }),
      { numRuns: 10 }
    )
  })

  it("stock: fresh goods delivered before opening, waste after closing, never a zero quantity", () => {
    fc.assert(
      fc.property(seed, world, window, (s, w, win) => {
        for (const e of simulate(s, w, win).events) {
          if (e._tag !== "Received" && e._tag !== "Wasted") continue
          assert.isAtLeast(e.quantity, 1)
          const d = dayOf(e.at)
          const hour = (e.at - d * DAY) / HOUR
          if (e._tag === "Received") assert.isBelow(hour, openingHours(d).open)
          else assert.isAtLeast(hour, openingHours(d).close)
        }
      }),
      { numRuns: 40 }
    )
  })
})
