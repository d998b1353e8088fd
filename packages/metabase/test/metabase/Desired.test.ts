import { assert, describe, it } from "@effect/vitest"
import * as fc from "fast-check"
import type * as Api from "../../src/metabase/Api.ts"
import {
  cardBody,
  dashcards,
  describe as describeWith,
  displayOf,
  identityOf,
  stableId,
  visualizationSettings
} from "../../src/metabase/Desired.ts"
import { canonical, cardDifferences, nativeQueryOf } from "../../src/metabase/Differences.ts"
import { q, source } from "../../src/Query.ts"
import { card } from "../../src/Spec.ts"
import { revenueCard, salesDashboard } from "./Harness.ts"

const slug = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}(\/[a-z][a-z0-9_]{0,20})?$/)

describe("what Metabase should hold", () => {
  it("the identity marker survives any description text, and text without a marker has no identity", () => {
    fc.assert(
      fc.property(fc.string(), slug, (text, identity) => {
        assert.strictEqual(identityOf(describeWith(text, identity)), identity)
      })
    )
    fc.assert(
      fc.property(
        fc.string().filter((t) => !t.includes("[brewlytics:")),
        (text) => identityOf(text) === undefined
      )
    )
  })

  it("canonical JSON does not depend on key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse())
        assert.strictEqual(canonical({ a: [record], b: 1 }), canonical({ b: 1, a: [reversed] }))
      })
    )
  })

  it("template tag ids are stable and UUID-shaped", () => {
    fc.assert(
      fc.property(fc.string(), (seed) => {
        const id = stableId(seed)
        assert.strictEqual(id, stableId(seed))
        assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
      })
    )
  })

  it("a card as Metabase returns it, in the legacy or the MBQL 5 form, compares equal to its body", () => {
    const body = cardBody(salesDashboard, revenueCard, { databaseId: 7, collectionId: 3 })
    const held: Api.Card = { id: 1, archived: false, ...body, dataset_query: body.dataset_query }
    assert.deepStrictEqual(cardDifferences(body, held), [])
    const mbql5 = {
      "lib/type": "mbql/query",
      database: 7,
      stages: [
        {
          "lib/type": "mbql.stage/native",
          native: body.dataset_query.native.query,
          "template-tags": body.dataset_query.native["template-tags"]
        }
      ]
    }
    assert.deepStrictEqual(cardDifferences(body, { ...held, dataset_query: mbql5 }), [])
    assert.deepStrictEqual(nativeQueryOf({ type: "query", query: {} }), undefined)
    assert.deepStrictEqual(cardDifferences(body, { ...held, dataset_query: { ...body.dataset_query, database: 8 } }), [
      "dataset_query"
    ])
    assert.deepStrictEqual(cardDifferences(body, { ...held, display: "bar", name: "x" }), ["name", "display"])
  })

  it("dashcards keep the ids of cards already placed and number new ones -1, -2, …", () => {
    fc.assert(
      fc.property(fc.subarray([0, 1, 2]), (present) => {
        const ids = new Map(salesDashboard.cards.map((c, i) => [c.slug, 100 + i]))
        const current: ReadonlyArray<Api.DashCard> = present.map((i) => ({
          id: 500 + i,
          card_id: 100 + i,
          row: 0,
          col: 0,
          size_x: 1,
          size_y: 1
        }))
        const placed = dashcards(salesDashboard, ids, current)
        assert.strictEqual(placed.length, 3)
        const negative = placed.filter((d) => d.id < 0).map((d) => d.id)
        assert.deepStrictEqual(
          negative,
          negative.map((_, i) => -(i + 1))
        )
        for (const i of present) assert.strictEqual(placed.find((d) => d.card_id === 100 + i)!.id, 500 + i)
      })
    )
  })

  it("a heatmap is a coloured table of its series, x and y, pivoted when Metabase can (exactly three columns)", () => {
    const cells = source("cells", ["day_of_week", "day_name", "hour", "orders"])
    const heatmap = (columns: ReadonlyArray<"day_of_week" | "day_name" | "hour" | "orders">) =>
      card({
        slug: "peak",
        title: "Peak hours",
        description: "",
        display: "heatmap",
        query: q`SELECT * FROM ${cells}`,
        columns: columns.map((name) => ({ name, title: name, type: "text" as const })),
        visualization: { x: "hour", series: "day_name", y: ["orders"] },
        layout: { col: 0, row: 0, sizeX: 24, sizeY: 6 }
      })
    const four = heatmap(["day_of_week", "day_name", "hour", "orders"])
    assert.strictEqual(displayOf(four), "table")
    const wide = visualizationSettings(four)
    assert.strictEqual(wide["table.pivot"], undefined)
    assert.deepStrictEqual(wide["table.columns"], [
      { name: "day_name", enabled: true },
      { name: "hour", enabled: true },
      { name: "orders", enabled: true },
      { name: "day_of_week", enabled: false }
    ])
    assert.deepStrictEqual((wide["table.column_formatting"] as ReadonlyArray<{ columns: unknown }>)[0]!.columns, [
      "orders"
    ])
    const three = visualizationSettings(heatmap(["day_name", "hour", "orders"]))
    assert.strictEqual(three["table.pivot"], true)
    assert.strictEqual(three["table.pivot_column"], "hour")
    assert.strictEqual(three["table.cell_column"], "orders")
  })
})
