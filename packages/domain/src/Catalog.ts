import { Schema } from "effect"
import { ProductId } from "./Ids.ts"
import { PositiveMoneyFromUnits } from "./Money.ts"
import { Name } from "./Text.ts"

export const Category = Schema.Literals(["coffee", "tea", "pastry", "food", "other"])
export type Category = typeof Category.Type

export const Size = Schema.Literals(["small", "medium", "large", "regular"])
export type Size = typeof Size.Type

/** A price as the API carries it: currency units with at most two decimals, strictly positive. */
export const Price = PositiveMoneyFromUnits

export class Product extends Schema.Class<Product>("@brewlytics/domain/Product")({
  id: ProductId,
  name: Name,
  category: Category,
  size: Size,
  price: Price,
  active: Schema.Boolean
}) {}
