import { assert, describe, it } from "@effect/vitest"
import { Option } from "effect"
import * as fc from "fast-check"
import { parseDay } from "../src/DateFlag.ts"

const day = fc.date({
  min: new Date("1900-01-01T00:00:00Z"),
  max: new Date("9999-12-31T00:00:00Z"),
  noInvalidDate: true
})

describe("parseDay", () => {
  it("reads every calendar day written YYYY-MM-DD or yyyymmdd as the same day and date id", () => {
    fc.assert(
      fc.property(day, (d) => {
        const iso = d.toISOString().slice(0, 10)
        const id = Number(iso.replaceAll("-", ""))
        assert.deepStrictEqual(parseDay(iso), Option.some({ iso, id }))
        assert.deepStrictEqual(parseDay(String(id)), Option.some({ iso, id }))
      })
    )
  })

  it("refuses days the calendar lacks and anything not written as a date", () => {
    for (const text of [
      "2026-02-30",
      "2026-13-01",
      "2025-02-29",
      "20261301",
      "2026-1-1",
      "01/11/2026",
      "yesterday",
      ""
    ]) {
      assert.isTrue(Option.isNone(parseDay(text)), text)
    }
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^\d{4}-?\d{2}-?\d{2}$/.test(s.trim())),
        (s) => Option.isNone(parseDay(s))
      )
    )
  })
})
