import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import { Price } from "../src/Catalog.ts"
import {
  centsFromUnits,
  formatDecimal,
  MAX_CENTS,
  MoneyFromNumeric,
  MoneyFromUnits,
  parseDecimal
} from "../src/Money.ts"

const cents = fc.integer({ min: 0, max: MAX_CENTS })

describe("Money", () => {
  it("decimal text round-trips every amount exactly", () => {
    fc.assert(fc.property(cents, (c) => parseDecimal(formatDecimal(c)) === c))
  })

  it("JSON units round-trip every amount exactly, through the schema", () => {
    const decode = Schema.decodeUnknownSync(MoneyFromUnits)
    const encode = Schema.encodeSync(MoneyFromUnits)
    fc.assert(fc.property(cents, (c) => decode(encode(decode(c / 100))) === c))
  })

  it("NUMERIC text round-trips through the schema", () => {
    const decode = Schema.decodeUnknownSync(MoneyFromNumeric)
    const encode = Schema.encodeSync(MoneyFromNumeric)
    fc.assert(fc.property(cents, (c) => encode(decode(formatDecimal(c))) === formatDecimal(c)))
  })

  it("sums of decoded prices are exact where binary floats drift", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 200 }), (amounts) => {
        const viaCents = amounts.reduce((sum, c) => sum + centsFromUnits(c / 100)!, 0)
        return viaCents === amounts.reduce((a, b) => a + b, 0)
      })
    )
    // The float sum that the seed's API would have stored is off; ours is not.
    assert.notStrictEqual(0.1 + 0.2, 0.3)
    assert.strictEqual(centsFromUnits(0.1)! + centsFromUnits(0.2)!, centsFromUnits(0.3))
  })

  it("refuses more than two decimals instead of rounding", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 9 }), (c, extra) => {
        const units = Number(`${formatDecimal(c)}${extra}`)
        return centsFromUnits(units) === undefined
      })
    )
    assert.throws(() => Schema.decodeUnknownSync(MoneyFromUnits)(3.555), /at most two decimals/)
  })

  it("refuses negative, non-finite and non-numeric amounts", () => {
    const decode = Schema.decodeUnknownSync(Price)
    for (const bad of [-1, 0, Number.NaN, Number.POSITIVE_INFINITY, "3.50", null, 1e13]) {
      assert.throws(() => decode(bad))
    }
    assert.strictEqual(decode(3.5), 350)
  })
})
