import { Schema } from "effect"

/**
 * What a model declares beside its SQL: the sibling `<model>.ts` default-exports
 * a `ModelDeclaration` (typed by `satisfies`, decoded again at load so a typo in
 * a plain object is still caught, naming the file).
 */

export const Severity = Schema.Literals(["error", "warn"])
export type Severity = typeof Severity.Type

/** A data test on one column. */
export const ColumnTest = Schema.Union([
  Schema.Literals(["unique", "not_null"]),
  Schema.Struct({
    accepted_values: Schema.Array(Schema.Union([Schema.String, Schema.Number, Schema.Boolean])),
    severity: Schema.optionalKey(Severity)
  }),
  Schema.Struct({
    /** `to` is a model name, or `source:<table>` for a star-schema table. */
    relationships: Schema.Struct({ to: Schema.String, field: Schema.String }),
    severity: Schema.optionalKey(Severity)
  })
])
export type ColumnTest = typeof ColumnTest.Type

/** A data test on the whole model: a grain check, or custom SQL that selects the offending rows. */
export const ModelTest = Schema.Union([
  Schema.Struct({
    unique_combination: Schema.Array(Schema.String),
    severity: Schema.optionalKey(Severity)
  }),
  Schema.Struct({
    name: Schema.String,
    description: Schema.optionalKey(Schema.String),
    /** Handlebars like a model (`{{ref}}`, `{{self}}`); every row it returns is a failure. */
    sql: Schema.String,
    severity: Schema.optionalKey(Severity)
  })
])
export type ModelTest = typeof ModelTest.Type

export const Column = Schema.Struct({
  description: Schema.String,
  tests: Schema.optionalKey(Schema.Array(ColumnTest))
})
export type Column = typeof Column.Type

/** An index whose leaf entries also carry `include` (a covering index). */
export const Index = Schema.Struct({
  columns: Schema.Array(Schema.String),
  include: Schema.Array(Schema.String)
})
export type Index = typeof Index.Type

/** An index's key columns and carried columns, whichever form it was declared in. */
export const indexColumns = (index: ReadonlyArray<string> | Index): Index =>
  "include" in index ? index : { columns: index as ReadonlyArray<string>, include: [] }

export const Materialization = Schema.Literals(["view", "table", "incremental"])
export type Materialization = typeof Materialization.Type

export const ModelDeclaration = Schema.Struct({
  description: Schema.String,
  /** One row per …: what identifies a row. */
  grain: Schema.String,
  materialized: Materialization,
  /** Required for `incremental`: rows of the new slice replace target rows with the same key. */
  uniqueKey: Schema.optionalKey(Schema.Array(Schema.String)),
  /**
   * For `incremental`: the column the slice is cut on (e.g. `date_id`). A top-up
   * then replaces every target row from the slice's lowest value on (or from
   * `since`, when that is lower: a day whose facts were all deleted has no slice
   * rows), so a group that vanished from the source inside the window vanishes here too.
   */
  window: Schema.optionalKey(Schema.String),
  /**
   * Extra indexes to build, for the dashboards' filters: each a list of key columns, or key columns with
   * columns carried in the index (`include`) so a query reading only those is an index-only scan.
   */
  indexes: Schema.optionalKey(Schema.Array(Schema.Union([Schema.Array(Schema.String), Index]))),
  columns: Schema.Record(Schema.String, Column),
  tests: Schema.optionalKey(Schema.Array(ModelTest))
})
export type ModelDeclaration = typeof ModelDeclaration.Type

export const LAYERS = ["staging", "intermediate", "marts"] as const
export type Layer = (typeof LAYERS)[number]

/** A model as loaded from disk: its declaration, its SQL template and where both came from. */
export interface Model {
  readonly name: string
  readonly layer: Layer
  /** `schema.name`: the relation the model builds (each layer is a schema). */
  readonly relation: string
  readonly sqlFile: string
  readonly declarationFile: string
  readonly template: string
  readonly declaration: ModelDeclaration
  /** Models this one reads through `{{ref}}`, in order of first use. */
  readonly refs: ReadonlyArray<string>
  /** Star-schema tables this one reads through `{{source}}`. */
  readonly sources: ReadonlyArray<string>
}

/** A model's declaration (its `.ts` file) cannot be loaded, or does not fit the model. */
export class BadDeclaration extends Schema.TaggedError<BadDeclaration>()("BadDeclaration", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** A model's SQL is not a valid template. */
export class BadTemplate extends Schema.TaggedError<BadTemplate>()("BadTemplate", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** A model refers to a model that does not exist. */
export class MissingRef extends Schema.TaggedError<MissingRef>()("MissingRef", { message: Schema.String }) {}

/** Models refer to each other in a circle. */
export class Cycle extends Schema.TaggedError<Cycle>()("Cycle", { message: Schema.String }) {}

/** Two files define the same model. */
export class DuplicateModel extends Schema.TaggedError<DuplicateModel>()("DuplicateModel", {
  message: Schema.String
}) {}

/** A selector names nothing that exists. */
export class UnknownSelector extends Schema.TaggedError<UnknownSelector>()("UnknownSelector", {
  message: Schema.String
}) {}

/** `--since` is not a yyyymmdd date id. */
export class BadSince extends Schema.TaggedError<BadSince>()("BadSince", { message: Schema.String }) {}

/** A model's SQL failed in the database, or a run had models that failed. */
export class BuildFailed extends Schema.TaggedError<BuildFailed>()("BuildFailed", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** What a model's SQL builds and what its declaration lists disagree on columns. */
export class ColumnsMismatch extends Schema.TaggedError<ColumnsMismatch>()("ColumnsMismatch", {
  message: Schema.String
}) {}

/** A data test of error severity failed. */
export class TestsFailed extends Schema.TaggedError<TestsFailed>()("TestsFailed", { message: Schema.String }) {}

/** Why the warehouse refused: the reason is one of the tagged errors above, and carries the message. */
export class WarehouseError extends Schema.TaggedError<WarehouseError>()("WarehouseError", {
  reason: Schema.Union([
    BadDeclaration,
    BadTemplate,
    MissingRef,
    Cycle,
    DuplicateModel,
    UnknownSelector,
    BadSince,
    BuildFailed,
    ColumnsMismatch,
    TestsFailed
  ])
}) {
  override get message() {
    return this.reason.message
  }
}
