import { HttpApi, OpenApi } from "effect/http-api"
import { CustomersApi } from "./Customers.ts"
import { DashboardsApi } from "./Dashboards.ts"
import { EmployeesApi } from "./Employees.ts"
import { OrdersApi } from "./Orders.ts"
import { ProductsApi } from "./Products.ts"
import { StockApi } from "./Stock.ts"
import { SystemApi } from "./System.ts"

/** The shop's REST API: what `packages/api` serves and the SDK calls. */
export class Api extends HttpApi.make("brewlytics")
  .add(SystemApi)
  .add(OrdersApi)
  .add(ProductsApi)
  .add(StockApi)
  .add(CustomersApi)
  .add(EmployeesApi)
  .add(DashboardsApi)
  .annotateMerge(
    OpenApi.annotations({
      title: "Brewlytics API",
      version: "0.1.0",
      description:
        "The coffee shop's till API. Errors are JSON `{ code, message }` with a 4xx status (503 when the database is unavailable)."
    })
  ) {}
