import type { DashboardSpec } from "../Spec.ts"
import { customers } from "./Customers.ts"
import { inventory } from "./Inventory.ts"
import { pipelineHealth } from "./PipelineHealth.ts"
import { products } from "./Products.ts"
import { shopOverview } from "./ShopOverview.ts"
import { staff } from "./Staff.ts"

/** Every dashboard, in the order the page and Metabase list them. */
export const dashboards: ReadonlyArray<DashboardSpec> = [
  shopOverview,
  products,
  staff,
  customers,
  inventory,
  pipelineHealth
]

/** The dashboard with this slug. */
export const findDashboard = (slug: string): DashboardSpec | undefined => dashboards.find((d) => d.slug === slug)
