import { Schema } from "effect"
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "effect/http-api"
import { Category } from "../Catalog.ts"
import { EmployeeId } from "../Ids.ts"
import { AnyRouteErrors, NotFound } from "./Errors.ts"
import { FromDecimal } from "./Parameters.ts"

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

/** A calendar day as `YYYY-MM-DD`. */
export const Day = Schema.String.check(
  // The pattern says which days the calendar has (so the document does too): 30 days hath
  // September…, February 28, and 29 in leap years.
  Schema.isPattern(
    /^(?:\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))|(?:\d{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)$/u,
    { message: "a day is written YYYY-MM-DD and is a day of the calendar, e.g. 2026-11-27" }
  )
)

/**
 * A dashboard's or a card's name in a path: lowercase words joined by hyphens,
 * at most 64 characters (the router matches a path segment of up to 100).
 */
export const Slug = Schema.String.check(
  Schema.isMaxLength(64),
  Schema.isPattern(/^[a-z0-9]+(?:-[a-z0-9]+)*$/u, {
    message: "a slug is lowercase letters and digits joined by hyphens"
  })
)

/** The filters a card takes; each is optional (absent: everything). */
export const CardFilters = {
  from: Schema.optional(Day),
  to: Schema.optional(Day),
  category: Schema.optional(Category),
  employee_id: Schema.optional(FromDecimal(EmployeeId))
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
      params: { slug: Slug, card: Slug },
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
