import { Schema } from "effect"
import { ProductId, StockMovementId } from "./Ids.ts"

export const MovementKind = Schema.Literals(["received", "sold", "wasted"])
export type MovementKind = typeof MovementKind.Type

/** Units moved at once; deliveries can be large, but not absurd. */
export const MovementQuantity = Schema.Int.check(
  Schema.isGreaterThan(0, { message: "quantity must be at least 1" }),
  Schema.isLessThanOrEqualTo(100_000, { message: "quantity must be at most 100000" })
)

export class StockMovement extends Schema.Class<StockMovement>("@brewlytics/domain/StockMovement")({
  id: StockMovementId,
  product_id: ProductId,
  kind: MovementKind,
  quantity: MovementQuantity,
  moved_at: Schema.DateTimeUtcFromString
}) {}
