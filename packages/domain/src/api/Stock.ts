import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { ProductId } from "../Ids.ts"
import { MovementQuantity, StockMovement } from "../Stock.ts"
import { WriteAuth } from "./Auth.ts"
import { AnyRouteErrors, BodyRouteErrors, NotFound } from "./Errors.ts"
import { FromDecimal } from "./Parameters.ts"

export const StockChange = Schema.Struct({ quantity: MovementQuantity })
export type StockChange = typeof StockChange.Type

/** A product's stock from its movements: received − sold − wasted (may go negative if sales outrun deliveries). */
export const StockLevel = Schema.Struct({
  product_id: ProductId,
  received: Schema.Int,
  sold: Schema.Int,
  wasted: Schema.Int,
  on_hand: Schema.Int
})
export type StockLevel = typeof StockLevel.Type

const product = { id: FromDecimal(ProductId) }

export class StockApi extends HttpApiGroup.make("stock")
  .add(
    HttpApiEndpoint.get("level", "/:id/stock", {
      params: product,
      success: StockLevel,
      error: [...AnyRouteErrors, NotFound]
    }),
    HttpApiEndpoint.post("received", "/:id/stock/received", {
      params: product,
      payload: StockChange,
      success: StockMovement,
      error: [...BodyRouteErrors, NotFound]
    }).middleware(WriteAuth),
    HttpApiEndpoint.post("wasted", "/:id/stock/wasted", {
      params: product,
      payload: StockChange,
      success: StockMovement,
      error: [...BodyRouteErrors, NotFound]
    }).middleware(WriteAuth)
  )
  .prefix("/products")
  .annotateMerge(
    OpenApi.annotations({ title: "Stock", description: "Deliveries and waste; sales are recorded by orders." })
  ) {}
