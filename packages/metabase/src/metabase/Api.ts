/**
 * The shapes of the Metabase REST API that the sync reads and writes (Metabase
 * v0.56; see packages/metabase/METABASE-API.md for each endpoint). Responses are
 * decoded with only the fields the sync relies on: Metabase returns many more,
 * which are ignored.
 */
import { Schema } from "effect"

/** GET /api/health: `{"status":"ok"}` (200) once ready, `{"status":"initializing","progress":…}` (503) before. */
export const Health = Schema.Struct({
  status: Schema.String,
  progress: Schema.optional(Schema.NullOr(Schema.Number))
})
export type Health = typeof Health.Type

/** GET /api/session/properties: the public settings, among them the first-run setup token. */
export const SessionProperties = Schema.Struct({
  "setup-token": Schema.optional(Schema.NullOr(Schema.String)),
  "has-user-setup": Schema.Boolean
})
export type SessionProperties = typeof SessionProperties.Type

/** POST /api/setup and POST /api/session answer with the new session's id. */
export const SessionId = Schema.Struct({ id: Schema.String })

const JsonObject = Schema.Record(Schema.String, Schema.Unknown)

/** A database as GET /api/database lists it (the password comes back masked). */
export const Database = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  engine: Schema.NullOr(Schema.String),
  details: Schema.optional(Schema.NullOr(JsonObject))
})
export type Database = typeof Database.Type

/** GET /api/database: `{data, total}`. */
export const DatabaseList = Schema.Struct({ data: Schema.Array(Database) })

/** A collection; the root collection has the id `"root"`. */
export const Collection = Schema.Struct({
  id: Schema.Union([Schema.Int, Schema.String]),
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  location: Schema.optional(Schema.NullOr(Schema.String)),
  archived: Schema.optional(Schema.Boolean),
  personal_owner_id: Schema.optional(Schema.NullOr(Schema.Int))
})
export type Collection = typeof Collection.Type

/** One entry of GET /api/collection/:id/items. */
export const CollectionItem = Schema.Struct({
  id: Schema.Int,
  model: Schema.String,
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String))
})
export type CollectionItem = typeof CollectionItem.Type

export const CollectionItems = Schema.Struct({ data: Schema.Array(CollectionItem) })

/** A saved question (card). `dataset_query` is read by `nativeQueryOf`: its shape depends on the version. */
export const Card = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  display: Schema.String,
  collection_id: Schema.optional(Schema.NullOr(Schema.Int)),
  archived: Schema.optional(Schema.Boolean),
  dataset_query: Schema.Unknown,
  visualization_settings: Schema.optional(Schema.NullOr(JsonObject))
})
export type Card = typeof Card.Type

export const ParameterMapping = Schema.Struct({
  parameter_id: Schema.String,
  card_id: Schema.optional(Schema.NullOr(Schema.Int)),
  target: Schema.Unknown
})
export type ParameterMapping = typeof ParameterMapping.Type

/** A card placed on a dashboard. */
export const DashCard = Schema.Struct({
  id: Schema.Int,
  card_id: Schema.NullOr(Schema.Int),
  row: Schema.Int,
  col: Schema.Int,
  size_x: Schema.Int,
  size_y: Schema.Int,
  parameter_mappings: Schema.optional(Schema.NullOr(Schema.Array(ParameterMapping))),
  visualization_settings: Schema.optional(Schema.NullOr(JsonObject))
})
export type DashCard = typeof DashCard.Type

export const Dashboard = Schema.Struct({
  id: Schema.Int,
  name: Schema.String,
  description: Schema.optional(Schema.NullOr(Schema.String)),
  collection_id: Schema.optional(Schema.NullOr(Schema.Int)),
  archived: Schema.optional(Schema.Boolean),
  parameters: Schema.optional(Schema.NullOr(Schema.Array(JsonObject))),
  dashcards: Schema.optional(Schema.Array(DashCard))
})
export type Dashboard = typeof Dashboard.Type

// ---------------------------------------------------------------------------
// Request bodies (what the sync sends)

export interface TemplateTag {
  readonly id: string
  readonly name: string
  readonly "display-name": string
  readonly type: "date" | "text" | "number"
  readonly required: boolean
}

/** A native query in the legacy (MBQL 4) form, which every Metabase since v0.30 accepts. */
export interface NativeDatasetQuery {
  readonly type: "native"
  readonly database: number
  readonly native: { readonly query: string; readonly "template-tags": Readonly<Record<string, TemplateTag>> }
}

export interface CardBody {
  readonly name: string
  readonly description: string
  readonly display: string
  readonly collection_id: number
  readonly dataset_query: NativeDatasetQuery
  readonly visualization_settings: Readonly<Record<string, unknown>>
}

export interface DashboardParameter {
  readonly id: string
  readonly name: string
  readonly slug: string
  readonly type: string
  readonly sectionId: string
}

export interface DashCardBody {
  readonly id: number
  readonly card_id: number
  readonly row: number
  readonly col: number
  readonly size_x: number
  readonly size_y: number
  readonly parameter_mappings: ReadonlyArray<{
    readonly parameter_id: string
    readonly card_id: number
    readonly target: readonly ["variable", readonly ["template-tag", string]]
  }>
  readonly visualization_settings: Readonly<Record<string, unknown>>
  readonly series: ReadonlyArray<never>
}

export interface DashboardBody {
  readonly name: string
  readonly description: string
  readonly collection_id: number
  readonly parameters: ReadonlyArray<DashboardParameter>
}

export interface PostgresDetails {
  readonly host: string
  readonly port: number
  readonly dbname: string
  readonly user: string
  readonly password: string
  readonly ssl: boolean
}
