import { Schema } from "effect"
import { CustomerId, EmployeeId, OrderId, OrderItemId, PaymentId, ProductId } from "./Ids.ts"
import { MoneyFromUnits, PositiveMoneyFromUnits } from "./Money.ts"

export const OrderStatus = Schema.Literals(["open", "completed", "cancelled"])
export type OrderStatus = typeof OrderStatus.Type

export const PaymentMethod = Schema.Literals(["cash", "card", "mobile"])
export type PaymentMethod = typeof PaymentMethod.Type

export const PaymentStatus = Schema.Literals(["pending", "paid", "refunded", "failed"])
export type PaymentStatus = typeof PaymentStatus.Type

/** A line's quantity: 1 to 100 of one product; anything larger is a typo at the till. */
export const MAX_QUANTITY = 100
export const Quantity = Schema.Int.check(
  Schema.isGreaterThan(0, { message: "quantity must be at least 1" }),
  Schema.isLessThanOrEqualTo(MAX_QUANTITY, { message: `quantity must be at most ${MAX_QUANTITY}` })
)

export class OrderItem extends Schema.Class<OrderItem>("@brewlytics/domain/OrderItem")({
  id: OrderItemId,
  order_id: OrderId,
  product_id: ProductId,
  quantity: Quantity,
  /** The product's price when it was sold, never today's price. */
  unit_price: PositiveMoneyFromUnits
}) {}

export class Payment extends Schema.Class<Payment>("@brewlytics/domain/Payment")({
  id: PaymentId,
  order_id: OrderId,
  method: PaymentMethod,
  amount: MoneyFromUnits,
  status: PaymentStatus
}) {}

export class Order extends Schema.Class<Order>("@brewlytics/domain/Order")({
  id: OrderId,
  customer_id: CustomerId,
  employee_id: EmployeeId,
  order_time: Schema.DateTimeUtcFromString,
  status: OrderStatus
}) {}
