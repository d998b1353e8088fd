import { FilterName as FilterNameSchema } from "@brewlytics/domain/api/Dashboards.ts"

/**
 * The query language of the dashboard specs.
 *
 * A card's query is a `Query`, written with the `q` tagged template of this
 * module. Its parts are
 * - SQL text, as written;
 * - relations and columns (`model(...)`, `source(...)`): a warehouse model taken
 *   from its declaration (`packages/warehouse/models/<layer>/<model>.ts`), whose
 *   `columns` keys are literal types, or a star-schema / pipeline table listed in
 *   `Sources.ts`. `m.c.revenue` only compiles while the declaration has `revenue`,
 *   so renaming a mart column breaks the typecheck of every card that reads it;
 * - slots (`slot.from`, `slot.to`, `slot.category`, `slot.employee_id`): a
 *   filter's value, never SQL text;
 * - optional clauses (`optional\`AND … ${slot.category}\``): kept only when every
 *   slot inside has a value.
 *
 * Two renderings come from the one definition:
 * - `toBound` (the API): SQL chunks and values for the `sql` tagged template
 *   (`sql(strings, ...values)`), so every filter value is a bound parameter, cast to
 *   the slot's type; an optional clause whose filter is absent is left out;
 * - `toNative` (Metabase): the SQL of a native question, slots as template tags
 *   (`{{from}}`) and optional clauses as `[[ … ]]`; `FILTERS` gives each tag's type.
 *
 * A card's `filters` are the slots its query uses (derived, not restated).
 */

/** The dashboard filters: a date range, a product category and an employee (as the API contract lists them). */
export const FILTER_NAMES = FilterNameSchema.literals
export type FilterName = typeof FilterNameSchema.Type

/** A filter's value type: `date` as `YYYY-MM-DD`, `text`, or an integer `number`. */
export type FilterType = "date" | "text" | "number"

export interface FilterSpec {
  readonly name: FilterName
  readonly title: string
  readonly type: FilterType
  /** The PostgreSQL type a bound value is cast to. */
  readonly sqlType: "date" | "text" | "bigint"
}

export const FILTERS: { readonly [K in FilterName]: FilterSpec & { readonly name: K } } = {
  from: { name: "from", title: "From", type: "date", sqlType: "date" },
  to: { name: "to", title: "To", type: "date", sqlType: "date" },
  category: { name: "category", title: "Category", type: "text", sqlType: "text" },
  employee_id: { name: "employee_id", title: "Employee", type: "number", sqlType: "bigint" }
}

/** Filter values as the API receives them (each optional: absent means "all"). */
export interface FilterValues {
  readonly from?: string | undefined
  readonly to?: string | undefined
  readonly category?: string | undefined
  readonly employee_id?: number | undefined
}

/** A filter's value in a query. */
export interface Slot {
  readonly _tag: "Slot"
  readonly filter: FilterName
}

/** A relation (`schema.table`, with an alias when given). */
export interface RelationRef {
  readonly _tag: "Relation"
  readonly relation: string
  readonly alias: string | undefined
}

/** A column of a relation (qualified by the relation's alias when it has one). */
export interface ColumnRef {
  readonly _tag: "Column"
  readonly relation: string
  readonly alias: string | undefined
  readonly column: string
}

/** A clause kept only when every slot in it has a value (`[[ … ]]` in Metabase). */
export interface Optional {
  readonly _tag: "Optional"
  readonly parts: ReadonlyArray<Atom>
}

export type Atom = string | Slot | RelationRef | ColumnRef
export type Part = Atom | Optional

export interface Query {
  readonly parts: ReadonlyArray<Part>
}

/** A relation to write queries against: `${r}` is the relation, `${r.c.name}` one of its columns. */
export type Relation<C extends string> = RelationRef & { readonly c: { readonly [K in C]: ColumnRef } }

const relationOf = <C extends string>(relation: string, columns: ReadonlyArray<C>, alias?: string): Relation<C> => {
  const c = {} as { [K in C]: ColumnRef }
  for (const column of columns) c[column] = { _tag: "Column", relation, alias, column }
  return { _tag: "Relation", relation, alias, c }
}

/** Anything with a `columns` record: a warehouse `ModelDeclaration` (its keys are the column names). */
export interface Declared<C extends string> {
  readonly columns: { readonly [K in C]: unknown }
}

/**
 * A warehouse model, from its declaration: `model("marts", "mart_daily_sales", decl, "d")`.
 * The columns are the declaration's keys, so a card naming a column the model does
 * not declare does not compile.
 */
export const model = <C extends string>(
  layer: "staging" | "intermediate" | "marts",
  name: string,
  declaration: Declared<C>,
  alias?: string
): Relation<C> => relationOf(`${layer}.${name}`, Object.keys(declaration.columns) as Array<C>, alias)

/** A table outside the models (star schema, pipeline bookkeeping): its columns listed in `Sources.ts`. */
export const source = <const C extends string>(name: string, columns: ReadonlyArray<C>, alias?: string): Relation<C> =>
  relationOf(name, columns, alias)

/** The filter slots: `${slot.from}` in a query is the `from` filter's value. */
export const slot: { readonly [K in FilterName]: Slot } = {
  from: { _tag: "Slot", filter: "from" },
  to: { _tag: "Slot", filter: "to" },
  category: { _tag: "Slot", filter: "category" },
  employee_id: { _tag: "Slot", filter: "employee_id" }
}

/** A number of the spec itself (a threshold, a limit), written into the SQL text: never a filter value. */
export const constant = (n: number): Query => {
  if (!Number.isFinite(n)) throw new Error(`A query constant must be a finite number, not ${n}`)
  return { parts: [String(n)] }
}

type Interpolated = Slot | RelationRef | ColumnRef | Optional | Query

const isTagged = (value: unknown, tag: string): boolean =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === tag

/** A query: `q\`SELECT ${m.c.revenue} FROM ${m} WHERE true ${optional\`AND …\`}\``. A nested `Query` is spliced in. */
export const q = (strings: TemplateStringsArray, ...values: ReadonlyArray<Interpolated>): Query => {
  const parts: Array<Part> = []
  strings.forEach((text, i) => {
    if (text.length > 0) parts.push(text)
    if (i < values.length) {
      const value = values[i]!
      if ("parts" in value && !isTagged(value, "Optional")) parts.push(...(value as Query).parts)
      else parts.push(value as Part)
    }
  })
  return { parts }
}

/** A clause kept only when every slot in it has a value. */
export const optional = (
  strings: TemplateStringsArray,
  ...values: ReadonlyArray<Slot | RelationRef | ColumnRef>
): Optional => {
  const parts: Array<Atom> = []
  strings.forEach((text, i) => {
    if (text.length > 0) parts.push(text)
    if (i < values.length) parts.push(values[i]!)
  })
  return { _tag: "Optional", parts }
}

const atomText = (atom: RelationRef | ColumnRef): string =>
  atom._tag === "Relation"
    ? atom.alias === undefined
      ? atom.relation
      : `${atom.relation} ${atom.alias}`
    : `${atom.alias ?? atom.relation}.${atom.column}`

/** The filters a query uses, in `FILTER_NAMES` order. */
export const filtersOf = (query: Query): ReadonlyArray<FilterName> => {
  const used = new Set<FilterName>()
  const visit = (part: Part) => {
    if (typeof part === "string") return
    if (part._tag === "Slot") used.add(part.filter)
    else if (part._tag === "Optional") part.parts.forEach(visit)
  }
  query.parts.forEach(visit)
  return FILTER_NAMES.filter((f) => used.has(f))
}

/** The SQL of a Metabase native question: slots as `{{name}}`, optional clauses as `[[ … ]]`. */
export const toNative = (query: Query): string => {
  const atom = (part: Atom): string =>
    typeof part === "string" ? part : part._tag === "Slot" ? `{{${part.filter}}}` : atomText(part)
  return query.parts
    .map((part) =>
      typeof part !== "string" && part._tag === "Optional" ? `[[${part.parts.map(atom).join("")}]]` : atom(part)
    )
    .join("")
}

/**
 * The statement for the API: SQL chunks and the bound values between them, to pass
 * to the `sql` tagged template (`sql(Object.assign([...strings], { raw: strings }), ...values)`).
 * Each value is cast to its filter's type; an optional clause with an absent value is left out.
 */
export const toBound = (
  query: Query,
  filters: FilterValues
): { readonly strings: ReadonlyArray<string>; readonly values: ReadonlyArray<string | number> } => {
  const strings: Array<string> = [""]
  const values: Array<string | number> = []
  const text = (s: string) => {
    strings[strings.length - 1] += s
  }
  const atom = (part: Atom) => {
    if (typeof part === "string") return text(part)
    if (part._tag !== "Slot") return text(atomText(part))
    const value = filters[part.filter]
    if (value === undefined) {
      throw new Error(`The query needs the ${part.filter} filter outside an optional clause, and it has no value`)
    }
    values.push(value)
    strings.push(`::${FILTERS[part.filter].sqlType}`)
  }
  for (const part of query.parts) {
    if (typeof part !== "string" && part._tag === "Optional") {
      const complete = part.parts.every(
        (p) => typeof p === "string" || p._tag !== "Slot" || filters[p.filter] !== undefined
      )
      if (complete) part.parts.forEach(atom)
    } else atom(part)
  }
  return { strings, values }
}
