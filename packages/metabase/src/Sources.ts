import { source } from "./Query.ts"

/**
 * The OLAP tables outside the warehouse models that cards read: the star schema
 * (today's figures, fresh within a second of a sale) and the pipeline's own
 * bookkeeping. Columns as in `sql/olap`; `Spec.test.ts` checks those cards name against
 * the migrated database, so a migration that renames one fails there.
 */

export const factSales = (alias?: string) =>
  source(
    "fact_sales",
    [
      "order_item_id",
      "order_id",
      "date_id",
      "time_of_day_id",
      "customer_dim_id",
      "product_dim_id",
      "employee_dim_id",
      "product_id",
      "quantity",
      "price",
      "total",
      "order_time",
      "order_status"
    ],
    alias
  )

export const dimProduct = (alias?: string) =>
  source(
    "dim_product",
    ["id", "product_id", "name", "price", "category", "size", "active", "valid_from", "valid_to", "is_current"],
    alias
  )

export const dimTimeOfDay = (alias?: string) => source("dim_time_of_day", ["id", "hour", "label", "daypart"], alias)

export const dimEmployee = (alias?: string) =>
  source("dim_employee", ["id", "employee_id", "name", "role", "active", "updated_at", "deleted_at"], alias)

export const pipelineRuns = (alias?: string) =>
  source(
    "pipeline_runs",
    [
      "run_id",
      "pipeline",
      "version",
      "trigger",
      "params",
      "started_at",
      "ended_at",
      "status",
      "rows_read",
      "rows_written",
      "lag_events",
      "lag_seconds",
      "steps",
      "error"
    ],
    alias
  )

export const pipelineDeadLetters = (alias?: string) =>
  source(
    "pipeline_dead_letters",
    ["pipeline", "step", "item_key", "run_id", "payload", "reason", "created_at", "table_name", "op"],
    alias
  )

export const warehouseChangedDays = (alias?: string) =>
  source("warehouse_changed_days", ["source", "date_id", "marked_at"], alias)

export const warehouseModelPending = (alias?: string) =>
  source("warehouse_model_pending", ["model", "date_id", "marked_at"], alias)
