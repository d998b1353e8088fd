/**
 * What Metabase should hold for the dashboard specs: the card and dashboard
 * bodies the sync sends (compared with what Metabase holds in `Differences.ts`).
 * Pure: no I/O.
 *
 * Identity: every managed card and dashboard carries a marker on the last line of
 * its description, `[brewlytics:<dashboard>/<card>]` or `[brewlytics:<dashboard>]`,
 * so the sync finds its own objects in the collection whatever their name, and
 * leaves everything else there alone.
 *
 * Where the spec and Metabase differ:
 * - `heatmap` is not a Metabase display: it becomes a `table` of `series`, `x` and
 *   `y` (other columns hidden) with `y` coloured by a range rule, pivoted (`x`
 *   across, `series` down) when the result has exactly the three columns Metabase
 *   can pivot;
 * - a scalar's `comparison` column has no counterpart for a native question
 *   (Metabase's `smartscalar` compares periods of an MBQL time series): it is left out.
 */
import { createHash } from "node:crypto"
import { FILTERS, type FilterName, type FilterType, toNative } from "../Query.ts"
import type { CardSpec, DashboardSpec } from "../Spec.ts"
import type * as Api from "./Api.ts"

const MARKER = /\n*\[brewlytics:([^\]\s]+)\]\s*$/

/** The description Metabase holds: the spec's, then the identity marker. */
export const describe = (text: string, identity: string): string =>
  text.trim().length === 0 ? `[brewlytics:${identity}]` : `${text.trim()}\n\n[brewlytics:${identity}]`

/** The identity marked in a description, if any. */
export const identityOf = (description: string | null | undefined): string | undefined =>
  description === null || description === undefined ? undefined : MARKER.exec(description)?.[1]

export const cardIdentity = (dashboard: DashboardSpec, card: CardSpec): string => `${dashboard.slug}/${card.slug}`

/** A stable UUID-shaped id (a template tag's `id`), so a second run sends the same one. */
export const stableId = (seed: string): string => {
  const h = createHash("sha1").update(seed).digest("hex")
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h.slice(16, 17), 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export const templateTags = (identity: string, filters: ReadonlyArray<FilterName>): Record<string, Api.TemplateTag> =>
  Object.fromEntries(
    filters.map((f) => [
      f,
      {
        id: stableId(`${identity}/${f}`),
        name: f,
        "display-name": FILTERS[f].title,
        type: FILTERS[f].type,
        required: false
      }
    ])
  )

const columnExtras: Record<CardSpec["columns"][number]["type"], Record<string, unknown>> = {
  money: { number_style: "decimal", decimals: 2 },
  percent: { suffix: "%", decimals: 1 },
  integer: { decimals: 0 },
  number: {},
  date: {},
  timestamp: {},
  text: {},
  boolean: {}
}

/** Metabase's `display` for a spec's. */
export const displayOf = (card: CardSpec): string => (card.display === "heatmap" ? "table" : card.display)

/** The visualization settings that carry the spec's hints (axes, measures, column titles and formats). */
export const visualizationSettings = (card: CardSpec): Record<string, unknown> => {
  const v = card.visualization
  const title = (name: string | undefined) => card.columns.find((c) => c.name === name)?.title
  const settings: Record<string, unknown> = {
    column_settings: Object.fromEntries(
      card.columns.map((c) => [JSON.stringify(["name", c.name]), { column_title: c.title, ...columnExtras[c.type] }])
    )
  }
  switch (card.display) {
    case "line":
    case "bar":
    case "row": {
      settings["graph.dimensions"] = v.series === undefined ? [v.x] : [v.x, v.series]
      settings["graph.metrics"] = [...(v.y ?? [])]
      if (v.x !== undefined) settings["graph.x_axis.title_text"] = title(v.x)
      if (v.y?.length === 1) settings["graph.y_axis.title_text"] = title(v.y[0])
      break
    }
    case "pie": {
      settings["pie.dimension"] = v.x
      settings["pie.metric"] = v.y?.[0]
      break
    }
    case "scalar": {
      settings["scalar.field"] = v.y?.[0]
      break
    }
    case "table": {
      settings["table.columns"] = card.columns.map((c) => ({ name: c.name, enabled: true }))
      break
    }
    case "heatmap": {
      // Metabase pivots a table only when the result has exactly three columns.
      if (card.columns.length === 3) {
        settings["table.pivot"] = true
        settings["table.pivot_column"] = v.x
        settings["table.cell_column"] = v.y?.[0]
      }
      const shown = [v.series, v.x, ...(v.y ?? [])].filter((c) => c !== undefined)
      settings["table.columns"] = [
        ...shown.map((name) => ({ name, enabled: true })),
        ...card.columns.filter((c) => !shown.includes(c.name)).map((c) => ({ name: c.name, enabled: false }))
      ]
      settings["table.column_formatting"] = [
        {
          id: 0,
          columns: [...(v.y ?? [])],
          type: "range",
          colors: ["#FFFFFF", "#509EE3"],
          min_type: null,
          max_type: null,
          min_value: 0,
          max_value: 100,
          operator: "=",
          value: "",
          color: "#509EE3",
          highlight_row: false
        }
      ]
      break
    }
  }
  // JSON has no `undefined`: drop what a spec leaves out, so that what is sent is what comes back.
  return JSON.parse(JSON.stringify(settings)) as Record<string, unknown>
}

export const cardBody = (
  dashboard: DashboardSpec,
  card: CardSpec,
  target: { readonly databaseId: number; readonly collectionId: number }
): Api.CardBody => {
  const identity = cardIdentity(dashboard, card)
  return {
    name: card.title,
    description: describe(card.description, identity),
    display: displayOf(card),
    collection_id: target.collectionId,
    dataset_query: {
      type: "native",
      database: target.databaseId,
      native: { query: toNative(card.query), "template-tags": templateTags(identity, card.filters) }
    },
    visualization_settings: visualizationSettings(card)
  }
}

const parameterType: Record<FilterType, { readonly type: string; readonly sectionId: string }> = {
  date: { type: "date/single", sectionId: "date" },
  text: { type: "string/=", sectionId: "string" },
  number: { type: "number/=", sectionId: "number" }
}

/** One dashboard filter per spec filter; its id is the filter's name. */
export const dashboardParameters = (dashboard: DashboardSpec): ReadonlyArray<Api.DashboardParameter> =>
  dashboard.filters.map((f) => ({ id: f, name: FILTERS[f].title, slug: f, ...parameterType[FILTERS[f].type] }))

export const dashboardBody = (dashboard: DashboardSpec, collectionId: number): Api.DashboardBody => ({
  name: dashboard.title,
  description: describe(dashboard.description, dashboard.slug),
  collection_id: collectionId,
  parameters: dashboardParameters(dashboard)
})

/**
 * The dashboard's full `dashcards` array: one per card, at its layout, each of the
 * card's filters wired to the dashboard's parameter of the same name. A card
 * already on the dashboard keeps its dashcard id; a new one gets a negative id
 * (Metabase creates those); dashcards left out are removed by Metabase.
 */
export const dashcards = (
  dashboard: DashboardSpec,
  cardIds: ReadonlyMap<string, number>,
  current: ReadonlyArray<Api.DashCard>
): ReadonlyArray<Api.DashCardBody> => {
  const offered = new Set(dashboard.filters)
  const taken = new Set<number>()
  let next = -1
  return dashboard.cards.map((card) => {
    const cardId = cardIds.get(card.slug)
    if (cardId === undefined) throw new Error(`No Metabase card id for ${cardIdentity(dashboard, card)}`)
    const existing = current.find((d) => d.card_id === cardId && !taken.has(d.id))
    if (existing !== undefined) taken.add(existing.id)
    return {
      id: existing?.id ?? next--,
      card_id: cardId,
      row: card.layout.row,
      col: card.layout.col,
      size_x: card.layout.sizeX,
      size_y: card.layout.sizeY,
      parameter_mappings: card.filters
        .filter((f) => offered.has(f))
        .map((f) => ({
          parameter_id: f,
          card_id: cardId,
          target: ["variable", ["template-tag", f]] as const
        })),
      visualization_settings: {},
      series: []
    }
  })
}
