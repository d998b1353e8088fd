import { Schema } from "effect"
import { Category, Size } from "./Catalog.ts"
import { CustomerId, EmployeeId, OrderId, OrderItemId, PaymentId, ProductId, StockMovementId } from "./Ids.ts"
import { MoneyFromUnits, PositiveMoneyFromUnits } from "./Money.ts"
import { Role } from "./People.ts"
import { OrderStatus, PaymentMethod, PaymentStatus, Quantity } from "./Sales.ts"
import { MovementKind, MovementQuantity } from "./Stock.ts"

/**
 * The change log the OLTP triggers write (sql/oltp/V2__change_log.sql) and the
 * pipeline reads: one event per row INSERT, UPDATE or DELETE, with the row as
 * `to_jsonb` rendered it after (and before) the change.
 */
export const ChangeTable = Schema.Literals([
  "customers",
  "employees",
  "products",
  "orders",
  "order_items",
  "payments",
  "stock_movements"
])
export type ChangeTable = typeof ChangeTable.Type

export const ChangeOp = Schema.Literals(["INSERT", "UPDATE", "DELETE"])
export type ChangeOp = typeof ChangeOp.Type

/** A change-log id: the order in which one row's changes happened. */
export const ChangeId = Schema.BigInt.pipe(Schema.brand("ChangeId"))
export type ChangeId = typeof ChangeId.Type

/** A JSON object as `to_jsonb(row)` renders it; decoded per table by `ChangeRows`. */
export const RowJson = Schema.Record(Schema.String, Schema.Unknown)

export const ChangeEvent = Schema.Struct({
  id: ChangeId,
  /** The writing transaction (`xid8` as decimal text). */
  xid: Schema.String,
  /** Kept as text: an unknown table is dead-lettered with its name, not refused at read. */
  table: Schema.String,
  op: ChangeOp,
  after: Schema.NullOr(RowJson),
  before: Schema.NullOr(RowJson),
  /** `changed_at` as PostgreSQL text: exact to the microsecond. */
  changedAt: Schema.String
})
export type ChangeEvent = typeof ChangeEvent.Type

/** A timestamp as `to_jsonb` writes it (ISO 8601 with offset), kept as text so no microsecond is lost. */
export const Timestamp = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/, {
    message: "must be an ISO 8601 timestamp with an offset"
  })
)

const Money = MoneyFromUnits
const Price = PositiveMoneyFromUnits

/** Each captured table's row, as the pipeline needs it (other columns are ignored). */
export const ChangeRows = {
  customers: Schema.Struct({ id: CustomerId, name: Schema.String, email: Schema.String, updated_at: Timestamp }),
  employees: Schema.Struct({
    id: EmployeeId,
    name: Schema.String,
    role: Role,
    active: Schema.Boolean,
    updated_at: Timestamp
  }),
  products: Schema.Struct({
    id: ProductId,
    name: Schema.String,
    category: Category,
    size: Size,
    price: Price,
    active: Schema.Boolean
  }),
  orders: Schema.Struct({
    id: OrderId,
    customer_id: CustomerId,
    employee_id: EmployeeId,
    order_time: Timestamp,
    status: OrderStatus
  }),
  order_items: Schema.Struct({
    id: OrderItemId,
    order_id: OrderId,
    product_id: ProductId,
    quantity: Quantity,
    unit_price: Price
  }),
  payments: Schema.Struct({
    id: PaymentId,
    order_id: OrderId,
    method: PaymentMethod,
    amount: Money,
    status: PaymentStatus,
    paid_at: Timestamp
  }),
  stock_movements: Schema.Struct({
    id: StockMovementId,
    product_id: ProductId,
    kind: MovementKind,
    quantity: MovementQuantity,
    order_id: Schema.NullOr(OrderId),
    moved_at: Timestamp
  })
} as const satisfies Record<ChangeTable, Schema.Top>

export type ChangeRow<T extends ChangeTable> = (typeof ChangeRows)[T]["Type"]
