import Handlebars from "handlebars"

/** Star-schema tables (loaded by the pipeline) live here; models read them through `{{source}}`. */
export const SOURCE_SCHEMA = "public"

/**
 * Renders a model's (or a custom test's) template: `{{ref "m"}}` is the
 * relation of model `m`, `{{source "t"}}` a star-schema table, `{{self}}` the
 * model's own relation; `{{#if incremental}}…{{/if}}` keeps the slice filter,
 * `{{lookback "date_id" 3}}` is where the slice starts, and `{{#if since}}` tells
 * whether the caller named the oldest changed day.
 */
export const renderTemplate = (
  template: string,
  options: {
    readonly self: string
    readonly incremental: boolean
    /**
     * The oldest changed day (yyyymmdd) the model has to rebuild: slices then
     * start there instead of at a fixed lookback.
     */
    readonly since?: number | undefined
    readonly ref: (name: string) => string
    readonly source?: (name: string) => string
  }
): string => {
  const hb = Handlebars.create()
  hb.registerHelper("ref", (name: unknown) => options.ref(String(name)))
  hb.registerHelper("source", (name: unknown) =>
    options.source === undefined ? `${SOURCE_SCHEMA}.${String(name)}` : options.source(String(name))
  )
  hb.registerHelper("self", () => options.self)
  // `{{lookback "date_id" 3}}`: `since` when there is one (the oldest changed day the model has
  // pending, or the caller's), else — a model over tables whose changes are not marked — the
  // yyyymmdd date id three days before the newest one already built.
  hb.registerHelper("lookback", (column: unknown, days: unknown) =>
    options.since !== undefined
      ? String(options.since)
      : `(SELECT coalesce(to_char(to_date(max(${String(column)})::text, 'YYYYMMDD') - ${Number(days)}, 'YYYYMMDD')::int, 0) FROM ${options.self})`
  )
  return hb.compile(template, { noEscape: true, strict: false })({
    incremental: options.incremental,
    since: options.since
  })
}
