import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Category } from "../Catalog.ts"
import { EmployeeId } from "../Ids.ts"
import { AnyRouteErrors, NotFound } from "./Errors.ts"

/**
 * The dashboards' data: what each dashboard shows (its cards, how to draw
 * them) and each card's rows for the chosen filters. The dashboards
 * themselves are specs in `packages/metabase`; this is only their wire shape.
 */

export const Display = Schema.Literals(["line", "bar", "row", "pie", "scalar", "table", "heatmap"])
export type Display = typeof Display.Type

/** `money`: currency units as a number with two decimals; `percent`: already in percent; `date`: `YYYY-MM-DD`. */
export const ColumnType = Schema.Literals([
  "date",
  "timestamp",
  "text",
  "integer",
  "number",
  "money",
  "percent",
  "boolean"
])
export type ColumnType = typeof ColumnType.Type

export const FilterName = Schema.Literals(["from", "to", "category", "employee_id"])
export type FilterName = typeof FilterName.Type

const isCalendarDay = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s)
}

/** A calendar day as `YYYY-MM-DD`. */
export const Day = Schema.String.check(
  Schema.isPattern(/^\d{4}-\d{2}-\d{2}$/, { message: "a day is written YYYY-MM-DD, e.g. 2026-11-27" }),
  Schema.makeFilter(isCalendarDay, { message: "not a day of the calendar" })
)

/** The filters a card takes; each is optional (absent: everything). */
export const CardFilters = {
  from: Schema.optional(Day),
  to: Schema.optional(Day),
  category: Schema.optional(Category),
  employee_id: Schema.optional(EmployeeId)
}

export const CardColumn = Schema.Struct({ name: Schema.String, title: Schema.String, type: ColumnType })
export type CardColumn = typeof CardColumn.Type

export const CardSummary = Schema.Struct({
  slug: Schema.String,
  title: Schema.String,
  description: Schema.String,
  display: Display,
  columns: Schema.Array(CardColumn),
  /** Which columns go where (see `Visualization` in the metabase package). */
  visualization: Schema.Struct({
    x: Schema.optional(Schema.String),
    y: Schema.optional(Schema.Array(Schema.String)),
    series: Schema.optional(Schema.String),
    comparison: Schema.optional(Schema.String)
  }),
  /** On a 24-column grid. */
  layout: Schema.Struct({ col: Schema.Number, row: Schema.Number, sizeX: Schema.Number, sizeY: Schema.Number }),
  filters: Schema.Array(FilterName),
  /** About today (fresh within a second of a sale): worth refreshing every second. */
  live: Schema.Boolean,
  /** What an empty result means, when more can be said than "no rows". */
  empty: Schema.optional(Schema.String)
})
export type CardSummary = typeof CardSummary.Type

export const DashboardSummary = Schema.Struct({
  slug: Schema.String,
  title: Schema.String,
  description: Schema.String,
  filters: Schema.Array(FilterName),
  cards: Schema.Array(CardSummary)
})
export type DashboardSummary = typeof DashboardSummary.Type

export const CellValue = Schema.Union([Schema.Number, Schema.String, Schema.Boolean, Schema.Null])

export const CardData = Schema.Struct({
  dashboard: Schema.String,
  card: Schema.String,
  columns: Schema.Array(CardColumn),
  /** One array per row, its values in `columns` order. */
  rows: Schema.Array(Schema.Array(CellValue))
})
export type CardData = typeof CardData.Type

export class DashboardsApi extends HttpApiGroup.make("dashboards")
  .add(
    HttpApiEndpoint.get("list", "/", { success: Schema.Array(DashboardSummary), error: AnyRouteErrors }).annotateMerge(
      OpenApi.annotations({ description: "Every dashboard with its cards and how to draw them." })
    ),
    HttpApiEndpoint.get("card", "/:slug/cards/:card", {
      params: { slug: Schema.String, card: Schema.String },
      query: CardFilters,
      success: CardData,
      error: [...AnyRouteErrors, NotFound]
    }).annotateMerge(
      OpenApi.annotations({
        description:
          "One card's rows for the filters (`from`/`to` as YYYY-MM-DD, `category`, `employee_id`): 400 naming a bad filter, 404 for an unknown dashboard or card."
      })
    )
  )
  .prefix("/dashboards")
  .annotateMerge(OpenApi.annotations({ title: "Dashboards" })) {}
