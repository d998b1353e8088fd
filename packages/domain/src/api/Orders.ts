import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { CustomerId, EmployeeId, OrderId, OrderItemId, PaymentId, ProductId } from "../Ids.ts"
import { MoneyFromUnits, PositiveMoneyFromUnits } from "../Money.ts"
import { OrderStatus, PaymentMethod, PaymentStatus, Quantity } from "../Sales.ts"
import { WriteAuth } from "./Auth.ts"
import { AnyRouteErrors, BodyRouteErrors, Conflict, NotFound, Unprocessable } from "./Errors.ts"
import { Page, PageLimit } from "./Pages.ts"
import { FromDecimal } from "./Parameters.ts"

/** At most this many lines per order: a till ticket, not a wholesale invoice. */
export const MAX_ITEMS = 50

export const NewOrderItem = Schema.Struct({ product_id: ProductId, quantity: Quantity })

export const NewOrder = Schema.Struct({
  customer_id: CustomerId,
  /** Omitted or null: an active employee is picked. */
  employee_id: Schema.optional(Schema.NullOr(EmployeeId)),
  items: Schema.Array(NewOrderItem).check(
    Schema.isMinLength(1, { message: "an order needs at least one item" }),
    Schema.isMaxLength(MAX_ITEMS, { message: `an order has at most ${MAX_ITEMS} items` })
  ),
  /** Defaults to card. */
  payment_method: Schema.optional(PaymentMethod)
})
export type NewOrder = typeof NewOrder.Type

/** The longest Idempotency-Key accepted. */
export const MAX_IDEMPOTENCY_KEY = 255

/** 1 to 255 printable ASCII characters, as the IETF draft's examples use (UUIDs, ULIDs). */
export const IdempotencyKey = Schema.String.check(
  Schema.isMinLength(1, { message: "Idempotency-Key must not be empty: send a UUID, for example" }),
  Schema.isMaxLength(MAX_IDEMPOTENCY_KEY, {
    message: `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY} characters`
  }),
  Schema.isPattern(/^[\x21-\x7e]*$/u, {
    message: "Idempotency-Key must be printable ASCII characters (no spaces), such as a UUID"
  })
)

const Amount = MoneyFromUnits
const UnitPrice = PositiveMoneyFromUnits

export const OrderLine = Schema.Struct({
  id: OrderItemId,
  product_id: ProductId,
  quantity: Quantity,
  /** The product's price when it was sold. */
  unit_price: UnitPrice
})
export type OrderLine = typeof OrderLine.Type

export const OrderPayment = Schema.Struct({
  id: PaymentId,
  method: PaymentMethod,
  amount: Amount,
  status: PaymentStatus
})

/** An order with its lines and payment. `order_id` (not `id`), as the seed's `POST /orders/new` answered. */
export const OrderDetail = Schema.Struct({
  order_id: OrderId,
  customer_id: CustomerId,
  employee_id: EmployeeId,
  order_time: Schema.DateTimeUtcFromString,
  status: OrderStatus,
  total: Amount,
  items: Schema.Array(OrderLine),
  payment: Schema.NullOr(OrderPayment)
})
export type OrderDetail = typeof OrderDetail.Type

export const OrderSummary = Schema.Struct({
  order_id: OrderId,
  customer_id: CustomerId,
  employee_id: EmployeeId,
  order_time: Schema.DateTimeUtcFromString,
  status: OrderStatus,
  total: Amount
})

export const OrderQuery = {
  after: Schema.optional(FromDecimal(OrderId)),
  limit: Schema.optional(FromDecimal(PageLimit)),
  customer_id: Schema.optional(FromDecimal(CustomerId)),
  employee_id: Schema.optional(FromDecimal(EmployeeId)),
  status: Schema.optional(OrderStatus)
}

export const OrderPage = Page(OrderSummary)

export const QuantityChange = Schema.Struct({ quantity: Quantity })

const orderParams = { id: FromDecimal(OrderId) }
const itemParams = { id: FromDecimal(OrderId), item_id: FromDecimal(OrderItemId) }

export class OrdersApi extends HttpApiGroup.make("orders")
  .add(
    HttpApiEndpoint.post("create", "/new", {
      headers: { "idempotency-key": Schema.optional(IdempotencyKey) },
      payload: NewOrder,
      success: OrderDetail,
      error: [...BodyRouteErrors, Conflict, Unprocessable]
    })
      .middleware(WriteAuth)
      .annotateMerge(
        OpenApi.annotations({
          description:
            "Seed route. Writes the order, its items (at the products' current prices), its payment and the 'sold' stock movements in one statement. With an Idempotency-Key, a retry with the same body returns the same order and writes nothing; the same key with another body is a 409."
        })
      ),
    HttpApiEndpoint.get("list", "/", { query: OrderQuery, success: OrderPage, error: AnyRouteErrors }),
    HttpApiEndpoint.get("get", "/:id", {
      params: orderParams,
      success: OrderDetail,
      error: [...AnyRouteErrors, NotFound]
    }),
    HttpApiEndpoint.post("cancel", "/:id/cancel", {
      params: orderParams,
      success: OrderDetail,
      error: [...AnyRouteErrors, NotFound, Conflict]
    })
      .middleware(WriteAuth)
      .annotateMerge(
        OpenApi.annotations({
          description: "Sets status 'cancelled' and refunds the payment; items are kept. A cancelled order is final."
        })
      ),
    HttpApiEndpoint.patch("changeItem", "/:id/items/:item_id", {
      params: itemParams,
      payload: QuantityChange,
      success: OrderDetail,
      error: [...BodyRouteErrors, NotFound, Conflict]
    }).middleware(WriteAuth),
    HttpApiEndpoint.delete("removeItem", "/:id/items/:item_id", {
      params: itemParams,
      success: OrderDetail,
      error: [...AnyRouteErrors, NotFound, Conflict]
    })
      .middleware(WriteAuth)
      .annotateMerge(
        OpenApi.annotations({ description: "Deletes the line. The last line cannot be removed: cancel the order." })
      )
  )
  .prefix("/orders")
  .annotateMerge(OpenApi.annotations({ title: "Orders" })) {}
