import { Option } from "effect"
import { Flag } from "effect/cli"

/** A business date: as written (`YYYY-MM-DD`) and as the warehouse's date id (yyyymmdd). */
export interface Day {
  readonly iso: string
  readonly id: number
}

/**
 * `YYYY-MM-DD`, or the warehouse's yyyymmdd, as a day that exists in the
 * calendar (no 2026-02-30): what every date flag of the CLI takes.
 */
export const parseDay = (text: string): Option.Option<Day> => {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text.trim())
  if (m === null) return Option.none()
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const date = new globalThis.Date(globalThis.Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return Option.none()
  }
  const iso = `${m[1]}-${m[2]}-${m[3]}`
  return Option.some({ iso, id: year * 10000 + month * 100 + day })
}

/** A flag holding a business date; anything else is refused with a message naming the flag and the format. */
export const dayFlag = (name: string, description: string) =>
  Flag.String(name).pipe(
    Flag.withDescription(`${description} (YYYY-MM-DD)`),
    Flag.filterMap(parseDay, () => "a date written YYYY-MM-DD (or yyyymmdd), e.g. 2026-11-01")
  )
