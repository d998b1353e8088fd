import int_customer_daily from "@brewlytics/warehouse/models/intermediate/int_customer_daily.ts"
import int_daily_product_sales from "@brewlytics/warehouse/models/intermediate/int_daily_product_sales.ts"
import int_sales_hourly from "@brewlytics/warehouse/models/intermediate/int_sales_hourly.ts"
import mart_customer_segments from "@brewlytics/warehouse/models/marts/mart_customer_segments.ts"
import mart_daily_sales from "@brewlytics/warehouse/models/marts/mart_daily_sales.ts"
import mart_inventory_daily from "@brewlytics/warehouse/models/marts/mart_inventory_daily.ts"
import mart_inventory_summary from "@brewlytics/warehouse/models/marts/mart_inventory_summary.ts"
import mart_payment_mix from "@brewlytics/warehouse/models/marts/mart_payment_mix.ts"
import mart_product_performance from "@brewlytics/warehouse/models/marts/mart_product_performance.ts"
import stg_customers from "@brewlytics/warehouse/models/staging/stg_customers.ts"
import stg_dates from "@brewlytics/warehouse/models/staging/stg_dates.ts"
import stg_employees from "@brewlytics/warehouse/models/staging/stg_employees.ts"
import stg_products from "@brewlytics/warehouse/models/staging/stg_products.ts"
import { model } from "./Query.ts"

/**
 * The warehouse models cards read, each typed by its declaration (the columns
 * are its keys). `Models.test.ts` checks each name against the models on disk.
 */

export const intCustomerDaily = (alias?: string) =>
  model("intermediate", "int_customer_daily", int_customer_daily, alias)
export const intDailyProductSales = (alias?: string) =>
  model("intermediate", "int_daily_product_sales", int_daily_product_sales, alias)
export const intSalesHourly = (alias?: string) => model("intermediate", "int_sales_hourly", int_sales_hourly, alias)
export const martCustomerSegments = (alias?: string) =>
  model("marts", "mart_customer_segments", mart_customer_segments, alias)
export const martDailySales = (alias?: string) => model("marts", "mart_daily_sales", mart_daily_sales, alias)
export const martInventoryDaily = (alias?: string) =>
  model("marts", "mart_inventory_daily", mart_inventory_daily, alias)
export const martInventorySummary = (alias?: string) =>
  model("marts", "mart_inventory_summary", mart_inventory_summary, alias)
export const martPaymentMix = (alias?: string) => model("marts", "mart_payment_mix", mart_payment_mix, alias)
export const martProductPerformance = (alias?: string) =>
  model("marts", "mart_product_performance", mart_product_performance, alias)
export const stgCustomers = (alias?: string) => model("staging", "stg_customers", stg_customers, alias)
export const stgDates = (alias?: string) => model("staging", "stg_dates", stg_dates, alias)
export const stgEmployees = (alias?: string) => model("staging", "stg_employees", stg_employees, alias)
export const stgProducts = (alias?: string) => model("staging", "stg_products", stg_products, alias)
