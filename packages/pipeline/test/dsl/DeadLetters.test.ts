import { TestDatabases } from "@brewlytics/db/testing/TestDatabases.ts"
import { assert, describe, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { DeadLetters } from "../../src/dsl/DeadLetters.ts"

describe("DeadLetters", () => {
  layer(DeadLetters.layer.pipe(Layer.provideMerge(TestDatabases)))((it) => {
    it.effect("keeps an item that can never load, with its reason and payload, once however often it is met", () =>
      Effect.gen(function* () {
        const deadLetters = yield* DeadLetters
        const letter = {
          pipeline: "cdc_to_star",
          runId: "run-1",
          step: "transform",
          key: "change-42",
          payload: { change: { id: 42, price: "abc" } },
          reason: "price is not a number"
        }
        yield* deadLetters.record(letter)
        yield* deadLetters.record({ ...letter, runId: "run-2" })
        yield* deadLetters.record({ ...letter, key: "change-43", payload: null })
        const rows = yield* deadLetters.list("cdc_to_star")
        assert.deepStrictEqual(
          rows.map((r) => [r.step, r.item_key, r.run_id, r.payload, r.reason]),
          [
            ["transform", "change-42", "run-1", { change: { id: 42, price: "abc" } }, "price is not a number"],
            ["transform", "change-43", "run-1", null, "price is not a number"]
          ]
        )
      })
    )
  })
})
