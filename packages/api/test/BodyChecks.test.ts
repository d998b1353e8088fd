import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { decodeUtf8, isJsonContentType, nestsDeeperThan } from "../src/BodyChecks.ts"

/** Nesting of arrays and objects, by recursion (fine for the shallow values generated here). */
const depth = (value: unknown): number =>
  typeof value === "object" && value !== null
    ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depth))
    : 0

describe("body checks", () => {
  it("nestsDeeperThan agrees with the depth of the parsed value, strings with brackets included", () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a") }),
        fc.integer(),
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie("node"), { maxKeys: 3 })
      )
    })).node
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 40 }), (v, limit) => {
        assert.strictEqual(nestsDeeperThan(JSON.stringify(v), limit), depth(v) > limit)
      }),
      { numRuns: 500 }
    )
    assert.isFalse(nestsDeeperThan(`${"[".repeat(32)}${"]".repeat(32)}`, 32))
    assert.isTrue(nestsDeeperThan(`${"[".repeat(33)}${"]".repeat(33)}`, 32))
  })

  it("isJsonContentType takes application/json with a utf-8 charset or none", () => {
    for (const ok of [
      "application/json",
      "Application/JSON",
      "application/json; charset=utf-8",
      'application/json;charset="UTF-8"'
    ]) {
      assert.isTrue(isJsonContentType(ok), ok)
    }
    for (const bad of [
      undefined,
      "",
      "text/plain",
      "application/jsonx",
      "application/json; charset=latin1",
      "text/json"
    ]) {
      assert.isFalse(isJsonContentType(bad), String(bad))
    }
  })

  it("decodeUtf8 refuses what a lenient decoder would turn into U+FFFD", () => {
    assert.strictEqual(decodeUtf8(new TextEncoder().encode("café ☕😀").buffer as ArrayBuffer), "café ☕😀")
    assert.isUndefined(decodeUtf8(new Uint8Array([0x61, 0xed, 0xa0, 0x80]).buffer))
    assert.isUndefined(decodeUtf8(new Uint8Array([0xc3]).buffer))
  })
})
