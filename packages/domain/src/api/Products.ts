import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Category, Price, Product, Size } from "../Catalog.ts"
import { ProductId } from "../Ids.ts"
import { Name } from "../Text.ts"
import { WriteAuth } from "./Auth.ts"
import { AnyRouteErrors, BodyRouteErrors, NotFound } from "./Errors.ts"
import { Page, PageLimit } from "./Pages.ts"
import { FromDecimal } from "./Parameters.ts"

export const NewProduct = Schema.Struct({
  name: Name,
  price: Price,
  category: Schema.optional(Category),
  size: Schema.optional(Size)
})
export type NewProduct = typeof NewProduct.Type

/** A price change applies to later sales only: sold items keep the price they were sold at. */
export const ProductPatch = Schema.Struct({
  name: Schema.optional(Name),
  price: Schema.optional(Price),
  active: Schema.optional(Schema.Boolean)
})
export type ProductPatch = typeof ProductPatch.Type

export const ProductQuery = {
  after: Schema.optional(FromDecimal(ProductId)),
  limit: Schema.optional(FromDecimal(PageLimit)),
  category: Schema.optional(Category),
  active: Schema.optional(Schema.Boolean)
}

export const ProductPage = Page(Product)

const product = { id: FromDecimal(ProductId) }

export class ProductsApi extends HttpApiGroup.make("products")
  .add(
    HttpApiEndpoint.post("create", "/new", {
      payload: NewProduct,
      success: Product,
      error: BodyRouteErrors
    })
      .middleware(WriteAuth)
      .annotateMerge(
        OpenApi.annotations({
          description:
            "Seed route. Creates a product whatever its name: a name is a label, the id is the identity (two products may share a name)."
        })
      ),
    HttpApiEndpoint.get("list", "/", { query: ProductQuery, success: ProductPage, error: AnyRouteErrors }),
    HttpApiEndpoint.get("get", "/:id", { params: product, success: Product, error: [...AnyRouteErrors, NotFound] }),
    HttpApiEndpoint.patch("update", "/:id", {
      params: product,
      payload: ProductPatch,
      success: Product,
      error: [...BodyRouteErrors, NotFound]
    }).middleware(WriteAuth)
  )
  .prefix("/products")
  .annotateMerge(OpenApi.annotations({ title: "Products" })) {}
