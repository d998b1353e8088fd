import type { ColumnType as ColumnTypeSchema, Display as DisplaySchema } from "@brewlytics/domain/api/Dashboards.ts"
import { FILTER_NAMES, type FilterName, filtersOf, type Query } from "./Query.ts"

/**
 * Dashboard specs: what each dashboard shows, written once and typed. A card's
 * query is a `Query` (see `Query.ts`); its filters are derived from the query's slots.
 */

export type Display = DisplaySchema

/**
 * How a column's values are shown: `money` is currency with two decimals,
 * `percent` a number already in percent, `date` a `YYYY-MM-DD` day.
 */
export type ColumnType = ColumnTypeSchema

export interface ColumnSpec<C extends string = string> {
  readonly name: C
  readonly title: string
  readonly type: ColumnType
}

/**
 * Which columns go where:
 * - line / bar / row: `x` the category or time axis, `y` the measures;
 * - pie: `x` the slice, `y` its one measure;
 * - scalar: `y` its one measure, `comparison` the value it is compared with (e.g. the same weekday last week);
 * - heatmap: `x` the column axis, `series` the row axis, `y` the one measure (the colour);
 * - table: every column, in order.
 */
export interface Visualization<C extends string = string> {
  readonly x?: C
  readonly y?: ReadonlyArray<C>
  readonly series?: C
  readonly comparison?: C
}

/** Where a card sits on Metabase's 24-column grid (rows are Metabase's grid rows). */
export interface Layout {
  readonly col: number
  readonly row: number
  readonly sizeX: number
  readonly sizeY: number
}

export const GRID_COLUMNS = 24

export interface CardSpec<C extends string = string> {
  readonly slug: string
  readonly title: string
  readonly description: string
  readonly display: Display
  readonly query: Query
  /** The columns the query returns, in order. */
  readonly columns: ReadonlyArray<ColumnSpec<C>>
  readonly visualization: Visualization<C>
  readonly layout: Layout
  /** The filters the query uses (derived from its slots). */
  readonly filters: ReadonlyArray<FilterName>
  /** About today, read from the star schema (fresh within a second of a sale): shown live. */
  readonly live: boolean
  /** What an empty result means, when more can be said than "no rows" (e.g. "No failed runs"). */
  readonly empty?: string
}

export interface DashboardSpec {
  readonly slug: string
  readonly title: string
  readonly description: string
  /** The filters the dashboard offers (`from` and `to` together make the date range). */
  readonly filters: ReadonlyArray<FilterName>
  readonly cards: ReadonlyArray<CardSpec>
}

/** A card: its column names are checked against the visualization's. */
export const card = <const C extends string>(
  spec: Omit<CardSpec<C>, "filters" | "live" | "visualization"> & {
    readonly visualization: Visualization<NoInfer<C>>
    readonly live?: boolean
  }
): CardSpec<C> => ({ ...spec, live: spec.live ?? false, filters: filtersOf(spec.query) })

/** A dashboard: it offers at least the filters its cards use. */
export const dashboard = (spec: Omit<DashboardSpec, "filters"> & { readonly filters?: ReadonlyArray<FilterName> }) => {
  const used = new Set(spec.cards.flatMap((c) => c.filters))
  const filters = FILTER_NAMES.filter((f) => used.has(f) || (spec.filters ?? []).includes(f))
  return { ...spec, filters } satisfies DashboardSpec
}
