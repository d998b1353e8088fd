import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import { advance, formatSnapshot, isVisible, parseSnapshot, type Snapshot } from "../../src/cdc/Snapshot.ts"

const snapshot = fc.integer({ min: 4, max: 60 }).chain((xmax) =>
  fc.uniqueArray(fc.integer({ min: 3, max: xmax - 1 }), { maxLength: 12 }).map((xip): Snapshot => {
    const list = xip.map(BigInt).sort((a, b) => (a < b ? -1 : 1))
    return { xmin: list[0] ?? BigInt(xmax), xmax: BigInt(xmax), xip: list }
  })
)

describe("Snapshot", () => {
  it("round-trips pg_snapshot text", () => {
    fc.assert(fc.property(snapshot, (s) => assert.deepStrictEqual(parseSnapshot(formatSnapshot(s)), s)))
    assert.deepStrictEqual(parseSnapshot("10:20:12,15"), { xmin: 10n, xmax: 20n, xip: [12n, 15n] })
  })

  it("advance sees exactly what the watermark saw plus the bound's finished transactions up to the cut", () => {
    fc.assert(
      fc.property(
        snapshot,
        snapshot,
        fc.option(fc.integer({ min: 3, max: 70 }), { nil: undefined }),
        (from, bound, cut) => {
          const cutoff = cut === undefined || BigInt(cut) >= bound.xmax ? undefined : BigInt(cut)
          const next = advance(from, bound, cutoff)
          // A valid snapshot: xmin is the first in-progress xid, the list is sorted and below xmax.
          assert.strictEqual(next.xmin, next.xip[0] ?? next.xmax)
          assert.isTrue(next.xip.every((x, i) => x < next.xmax && (i === 0 || next.xip[i - 1]! < x)))
          for (let x = 1n; x < 80n; x++) {
            const expected = isVisible(from, x) || (isVisible(bound, x) && (cutoff === undefined || x <= cutoff))
            assert.strictEqual(isVisible(next, x), expected, `xid ${x}: ${formatSnapshot(next)}`)
          }
        }
      ),
      { numRuns: 2000 }
    )
  })

  it("a later bound that covers the watermark is taken as it is", () => {
    assert.strictEqual(
      formatSnapshot(advance(parseSnapshot("10:20:12,15"), parseSnapshot("15:30:15,22"))),
      "15:30:15,22"
    )
  })
})
