/**
 * What differs between the bodies the sync would send (`Desired.ts`) and what
 * Metabase holds, field by field, so the sync sends only what changed and a
 * second run sends nothing. Pure: no I/O.
 */
import type * as Api from "./Api.ts"

/** JSON with object keys sorted: equal values give equal strings. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        )
      : v
  ) ?? "null"

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b)

/**
 * The native query inside a card's `dataset_query`, in either form Metabase
 * returns: legacy (`{type: "native", database, native: {query, template-tags}}`)
 * or MBQL 5 (`{lib/type: "mbql/query", database, stages: [{native, template-tags}]}`).
 */
export const nativeQueryOf = (
  datasetQuery: unknown
): { readonly database: unknown; readonly query: unknown; readonly templateTags: unknown } | undefined => {
  if (datasetQuery === null || typeof datasetQuery !== "object") return undefined
  const q = datasetQuery as Record<string, unknown>
  const native = q.native as Record<string, unknown> | undefined
  if (q.type === "native" && native !== undefined && native !== null) {
    return { database: q.database, query: native.query, templateTags: native["template-tags"] ?? {} }
  }
  const stage = Array.isArray(q.stages) ? (q.stages[0] as Record<string, unknown> | undefined) : undefined
  if (stage !== undefined && typeof stage.native === "string") {
    return { database: q.database, query: stage.native, templateTags: stage["template-tags"] ?? {} }
  }
  return undefined
}

/** The fields of a card that differ from the desired body (empty: nothing to do). */
export const cardDifferences = (desired: Api.CardBody, current: Api.Card): ReadonlyArray<keyof Api.CardBody> => {
  const fields: Array<keyof Api.CardBody> = []
  if (desired.name !== current.name) fields.push("name")
  if (desired.description !== (current.description ?? "")) fields.push("description")
  if (desired.display !== current.display) fields.push("display")
  if (desired.collection_id !== current.collection_id) fields.push("collection_id")
  const want = desired.dataset_query
  if (
    !same(
      { database: want.database, query: want.native.query, templateTags: want.native["template-tags"] },
      nativeQueryOf(current.dataset_query)
    )
  ) {
    fields.push("dataset_query")
  }
  if (!same(desired.visualization_settings, current.visualization_settings ?? {})) {
    fields.push("visualization_settings")
  }
  return fields
}

const dashcardKey = (d: {
  readonly card_id: number | null
  readonly row: number
  readonly col: number
  readonly size_x: number
  readonly size_y: number
  readonly parameter_mappings?: ReadonlyArray<Api.ParameterMapping> | null | undefined
}) =>
  canonical({
    card_id: d.card_id,
    row: d.row,
    col: d.col,
    size_x: d.size_x,
    size_y: d.size_y,
    parameter_mappings: [...(d.parameter_mappings ?? [])]
      .map((m) => ({ parameter_id: m.parameter_id, card_id: m.card_id ?? d.card_id, target: m.target }))
      .sort((a, b) => (a.parameter_id < b.parameter_id ? -1 : a.parameter_id > b.parameter_id ? 1 : 0))
  })

type DashboardField = keyof Api.DashboardBody | "dashcards"

/** The fields of a dashboard that differ from the desired body and dashcards. */
export const dashboardDifferences = (
  desired: Api.DashboardBody,
  desiredCards: ReadonlyArray<Api.DashCardBody>,
  current: Api.Dashboard
): ReadonlyArray<DashboardField> => {
  const fields: Array<DashboardField> = []
  if (desired.name !== current.name) fields.push("name")
  if (desired.description !== (current.description ?? "")) fields.push("description")
  if (desired.collection_id !== current.collection_id) fields.push("collection_id")
  if (!same(desired.parameters, current.parameters ?? [])) fields.push("parameters")
  const want = desiredCards.map(dashcardKey).sort()
  const have = (current.dashcards ?? []).map(dashcardKey).sort()
  if (!same(want, have)) fields.push("dashcards")
  return fields
}
