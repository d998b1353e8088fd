import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { OltpSql } from "../src/Databases.ts"
import { boolArray, int4Array, int8Array, textArray } from "../src/SqlArrays.ts"
import { TestDatabases } from "../src/testing/TestDatabases.ts"

/** Ids across the whole range the API allows, small and large mixed. */
const anyId = fc.oneof(
  fc.integer({ min: 1, max: 100 }),
  fc.integer({ min: 2 ** 31 - 2, max: 2 ** 31 + 2 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
)

layer(TestDatabases)("typed array parameters", (it) => {
  it.effect("int8Array carries ids of any size mixed in one list, and NULLs, exactly", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const mixed = [1, 2147483648, Number.MAX_SAFE_INTEGER, 7n, "42", null]
      const rows = yield* sql<{ v: string | null }>`SELECT v::text FROM unnest(${int8Array(mixed)}::int8[]) AS v`
      assert.deepStrictEqual(
        rows.map((r) => r.v),
        ["1", "2147483648", "9007199254740991", "7", "42", null]
      )
      const ids = fc.sample(fc.array(anyId, { minLength: 1, maxLength: 50 }), 30)
      for (const list of ids) {
        const back = yield* sql<{ v: string }>`SELECT v::text FROM unnest(${int8Array(list)}::int8[]) AS v`
        assert.deepStrictEqual(
          back.map((r) => r.v),
          list.map(String)
        )
      }
    })
  )

  it.effect("arrays of only NULLs, or empty, still have their type", () =>
    Effect.gen(function* () {
      const sql = yield* OltpSql
      const [row] = yield* sql<{ a: number; b: number; c: number; d: number; e: number }>`
        SELECT cardinality(${int8Array([null, null])}::int8[]) AS a,
               cardinality(${textArray([null])}::text[]) AS b,
               cardinality(${boolArray([null, true])}::bool[]) AS c,
               cardinality(${int4Array([null, 3])}::int4[]) AS d,
               cardinality(${int8Array([])}::int8[]) AS e`
      assert.deepStrictEqual({ ...row }, { a: 2, b: 1, c: 2, d: 2, e: 0 })
    })
  )
})
