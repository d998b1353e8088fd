import { OlapSql } from "@brewlytics/db/Databases.ts"
import type { CardData, CardSummary, DashboardSummary } from "@brewlytics/domain/api/Dashboards.ts"
import { dashboards, findDashboard } from "@brewlytics/metabase/dashboards/All.ts"
import { type FilterValues, toBound } from "@brewlytics/metabase/Query.ts"
import type { CardSpec, ColumnType } from "@brewlytics/metabase/Spec.ts"
import { Context, Effect, Layer } from "effect"
import { orDieSql, type ShopError, ShopInvalid, ShopNotFound } from "../Problems.ts"

type Cell = number | string | boolean | null

const day = (d: Date) => d.toISOString().slice(0, 10)

/** A value as the database returned it, as JSON for its column: numbers as numbers, money to the cent. */
export const toCell = (type: ColumnType, value: unknown): Cell => {
  if (value === null || value === undefined) return null
  switch (type) {
    case "integer":
    case "number":
    case "percent":
      return Number(value)
    case "money":
      return Math.round(Number(value) * 100) / 100
    case "boolean":
      return Boolean(value)
    case "date":
      return value instanceof Date ? day(value) : String(value)
    case "timestamp":
      return value instanceof Date ? value.toISOString() : String(value)
    case "text":
      return String(value)
  }
}

const summary = (card: CardSpec): CardSummary => ({
  slug: card.slug,
  title: card.title,
  description: card.description,
  display: card.display,
  columns: card.columns,
  visualization: card.visualization,
  layout: card.layout,
  filters: card.filters,
  live: card.live,
  ...(card.empty === undefined ? {} : { empty: card.empty })
})

const summaries: ReadonlyArray<DashboardSummary> = dashboards.map((d) => ({
  slug: d.slug,
  title: d.title,
  description: d.description,
  filters: d.filters,
  cards: d.cards.map(summary)
}))

/**
 * The dashboards' data: each card's query (from its spec) run on the
 * warehouse with the filters as bound parameters.
 */
export class DashboardData extends Context.Service<
  DashboardData,
  {
    readonly list: ReadonlyArray<DashboardSummary>
    readonly card: (dashboard: string, card: string, filters: FilterValues) => Effect.Effect<CardData, ShopError>
  }
>()("@brewlytics/api/DashboardData") {
  static readonly layer = Layer.effect(
    DashboardData,
    Effect.gen(function* () {
      const sql = yield* OlapSql

      const card = Effect.fn("DashboardData.card")(function* (
        dashboardSlug: string,
        cardSlug: string,
        filters: FilterValues
      ) {
        const dashboard = findDashboard(dashboardSlug)
        if (dashboard === undefined) {
          return yield* new ShopNotFound({
            code: "dashboard_not_found",
            message: `There is no dashboard "${dashboardSlug}": GET /dashboards lists them (${dashboards.map((d) => d.slug).join(", ")}).`
          })
        }
        const spec = dashboard.cards.find((c) => c.slug === cardSlug)
        if (spec === undefined) {
          return yield* new ShopNotFound({
            code: "card_not_found",
            message: `The dashboard "${dashboardSlug}" has no card "${cardSlug}": it has ${dashboard.cards.map((c) => c.slug).join(", ")}.`
          })
        }
        if (filters.from !== undefined && filters.to !== undefined && filters.from > filters.to) {
          return yield* new ShopInvalid({
            code: "invalid_date_range",
            message: `from (${filters.from}) is after to (${filters.to}): swap them.`
          })
        }
        const { strings, values } = toBound(spec.query, filters)
        const template = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray
        const found = yield* orDieSql(sql<Record<string, unknown>>(template, ...values))
        const rows = found.map((row) => spec.columns.map((c) => toCell(c.type, row[c.name])))
        return { dashboard: dashboard.slug, card: spec.slug, columns: spec.columns, rows }
      })

      return DashboardData.of({ list: summaries, card })
    })
  )
}
