import { Schema } from "effect"

// Ids are PostgreSQL `bigint identity` values: positive, and well inside the
// safe-integer range for any shop that will ever exist.
const PositiveId = Schema.Int.check(
  Schema.isGreaterThan(0, { message: "an id must be a positive whole number" }),
  Schema.isLessThanOrEqualTo(Number.MAX_SAFE_INTEGER, { message: "an id is at most 9007199254740991" })
)

export const CustomerId = PositiveId.pipe(Schema.brand("CustomerId"))
export type CustomerId = typeof CustomerId.Type

export const EmployeeId = PositiveId.pipe(Schema.brand("EmployeeId"))
export type EmployeeId = typeof EmployeeId.Type

export const ProductId = PositiveId.pipe(Schema.brand("ProductId"))
export type ProductId = typeof ProductId.Type

export const OrderId = PositiveId.pipe(Schema.brand("OrderId"))
export type OrderId = typeof OrderId.Type

export const OrderItemId = PositiveId.pipe(Schema.brand("OrderItemId"))
export type OrderItemId = typeof OrderItemId.Type

export const PaymentId = PositiveId.pipe(Schema.brand("PaymentId"))
export type PaymentId = typeof PaymentId.Type

export const StockMovementId = PositiveId.pipe(Schema.brand("StockMovementId"))
export type StockMovementId = typeof StockMovementId.Type
