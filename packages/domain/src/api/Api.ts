import { HttpApi, OpenApi } from "effect/http-api"
import { CustomersApi } from "./Customers.ts"
import { DashboardsApi } from "./Dashboards.ts"
import { EmployeesApi } from "./Employees.ts"
import { MethodNotAllowed } from "./Errors.ts"
import { OrdersApi } from "./Orders.ts"
import { describeParametersByValue } from "./Parameters.ts"
import { ProductsApi } from "./Products.ts"
import { StockApi } from "./Stock.ts"
import { SystemApi } from "./System.ts"

/**
 * The shop's REST API: what `packages/api` serves and the SDK calls. A body
 * with a key its schema does not name is refused (400 naming the key), as
 * the document's `additionalProperties: false` says.
 */
const routes = HttpApi.make("brewlytics")
  .add(SystemApi)
  .add(OrdersApi)
  .add(ProductsApi)
  .add(StockApi)
  .add(CustomersApi)
  .add(EmployeesApi)
  .add(DashboardsApi)

export class Api extends routes
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error" })
  // No operation answers 405 (it is the answer for a method with no operation), so its body is listed here.
  .annotate(HttpApi.AdditionalSchemas, [MethodNotAllowed])
  .annotateMerge(
    OpenApi.annotations({
      title: "Brewlytics API",
      version: "0.1.0",
      description:
        "The coffee shop's till API. Errors are JSON `{ _tag, code, message }` with a 4xx status (503 when the database is unavailable or the request took too long). A method a path does not take is a 405 with an `Allow` header listing those it does.",
      transform: describeParametersByValue(routes)
    })
  ) {}
