import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ContractErrors, statusOfTag, tagOfStatus } from "../src/api/Errors.ts"

describe("the contract's error classes", () => {
  it("each class's status is read from its own annotation, one class a status", () => {
    assert.deepStrictEqual(
      [...statusOfTag],
      [
        ["BadRequest", 400],
        ["Unauthorized", 401],
        ["NotFound", 404],
        ["MethodNotAllowed", 405],
        ["RequestTimeout", 408],
        ["Conflict", 409],
        ["PayloadTooLarge", 413],
        ["UnsupportedMediaType", 415],
        ["Unprocessable", 422],
        ["Unavailable", 503]
      ]
    )
    assert.strictEqual(tagOfStatus.size, ContractErrors.length)
    for (const [tag, status] of statusOfTag) assert.strictEqual(tagOfStatus.get(status), tag)
  })

  it.effect("the tag it maps is the tag an instance carries", () =>
    Effect.sync(() => {
      for (const ContractError of ContractErrors) {
        assert.isTrue(statusOfTag.has(new ContractError({ code: "x", message: "y" })._tag))
      }
    })
  )
})
