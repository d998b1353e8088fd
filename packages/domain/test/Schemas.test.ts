import { assert, describe, it } from "@effect/vitest"
import { Schema } from "effect"
import * as fc from "fast-check"
import { Product } from "../src/Catalog.ts"
import { CustomerId, OrderId, ProductId } from "../src/Ids.ts"
import { Customer } from "../src/People.ts"
import { OrderItem } from "../src/Sales.ts"

const errorOf = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return String((e as Error).message)
  }
  assert.fail("expected a decoding error")
}

describe("ids", () => {
  it("accept every positive safe integer", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) =>
        [CustomerId, ProductId, OrderId].every((s) => Schema.decodeUnknownSync(s)(n) === n)
      )
    )
  })

  it("reject zero, negatives, fractions, unsafe integers and non-numbers", () => {
    const bad = fc.oneof(
      fc.integer({ max: 0 }),
      fc.double({ noInteger: true }),
      fc.constant(Number.MAX_SAFE_INTEGER + 2),
      fc.string(),
      fc.constant(null)
    )
    fc.assert(fc.property(bad, (v) => Schema.decodeUnknownOption(ProductId)(v)._tag === "None"))
  })
})

describe("messages name the field", () => {
  const decodeProduct = Schema.decodeUnknownSync(Product)
  const good = { id: 1, name: "Latte", category: "coffee", size: "medium", price: 3.9, active: true }

  it("decodes a valid product, price in cents", () => {
    assert.strictEqual(decodeProduct(good).price, 390)
  })

  it("for price, category, name and email", () => {
    assert.match(
      errorOf(() => decodeProduct({ ...good, price: 0 })),
      /price/
    )
    assert.match(
      errorOf(() => decodeProduct({ ...good, category: "beer" })),
      /category/
    )
    assert.match(
      errorOf(() => decodeProduct({ ...good, name: "" })),
      /name/
    )
    assert.match(
      errorOf(() => decodeProduct({ ...good, name: "bad\u0000name" })),
      /control characters[\s\S]*\["name"\]/
    )
    assert.match(
      errorOf(() => Schema.decodeUnknownSync(Customer)({ id: 1, name: "Ana", email: "not-an-email" })),
      /email address[\s\S]*\["email"\]/
    )
  })

  it("for quantities out of range", () => {
    const item = { id: 1, order_id: 1, product_id: 1, quantity: 1, unit_price: 2.5 }
    Schema.decodeUnknownSync(OrderItem)(item)
    assert.match(
      errorOf(() => Schema.decodeUnknownSync(OrderItem)({ ...item, quantity: 0 })),
      /quantity/
    )
    assert.match(
      errorOf(() => Schema.decodeUnknownSync(OrderItem)({ ...item, quantity: 101 })),
      /quantity/
    )
  })
})
