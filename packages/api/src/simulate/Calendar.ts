import type { Shift } from "./Model.ts"

/** The shop's calendar and its rhythm: time units, opening hours, demand through the day and the year, and shifts. */

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

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

export const onShift = (shifts: ReadonlyArray<Shift>, at: number) => shifts.filter((s) => s.from <= at && at < s.to)
