/**
 * The shapes of the Metabase REST API that the sync reads and writes (Metabase
 * v0.56; see packages/metabase/METABASE-API.md for each endpoint). Responses are
 * decoded with only the fields the sync relies on: Metabase returns many more,
 * which are ignored.
 */
import { Schema, Struct } from "effect"

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
// Request bodies (what the sync sends; each is checked against its schema before it goes out)

export const TemplateTag = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  "display-name": Schema.String,
  type: Schema.Literals(["date", "text", "number"]),
  required: Schema.Boolean
})
export type TemplateTag = typeof TemplateTag.Type

/** A native query in the legacy (MBQL 4) form, which every Metabase since v0.30 accepts. */
export const NativeDatasetQuery = Schema.Struct({
  type: Schema.Literal("native"),
  database: Schema.Int,
  native: Schema.Struct({ query: Schema.String, "template-tags": Schema.Record(Schema.String, TemplateTag) })
})
export type NativeDatasetQuery = typeof NativeDatasetQuery.Type

const NonBlank = Schema.NonEmptyString

/** POST /api/card (`description` must be non-blank when given). */
export const CardBody = Schema.Struct({
  name: NonBlank,
  description: NonBlank,
  display: NonBlank,
  collection_id: Schema.Int,
  dataset_query: NativeDatasetQuery,
  visualization_settings: JsonObject
})
export type CardBody = typeof CardBody.Type

/** PUT /api/card/:id: any of the fields, or `archived`. */
export const CardUpdate = CardBody.mapFields(Struct.map(Schema.optionalKey)).pipe(
  Schema.fieldsAssign({ archived: Schema.optionalKey(Schema.Boolean) })
)
export type CardUpdate = typeof CardUpdate.Type

export const DashboardParameter = Schema.Struct({
  id: NonBlank,
  name: Schema.String,
  slug: Schema.String,
  type: NonBlank,
  sectionId: Schema.String
})
export type DashboardParameter = typeof DashboardParameter.Type

/** One entry of the full `dashcards` array of PUT /api/dashboard/:id (a negative `id` is a new dashcard). */
export const DashCardBody = Schema.Struct({
  id: Schema.Int,
  card_id: Schema.Int,
  row: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  col: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0)),
  size_x: Schema.Int.check(Schema.isGreaterThan(0)),
  size_y: Schema.Int.check(Schema.isGreaterThan(0)),
  parameter_mappings: Schema.Array(
    Schema.Struct({
      parameter_id: NonBlank,
      card_id: Schema.Int,
      target: Schema.Tuple([Schema.Literal("variable"), Schema.Tuple([Schema.Literal("template-tag"), Schema.String])])
    })
  ),
  visualization_settings: JsonObject,
  series: Schema.Array(Schema.Never)
})
export type DashCardBody = typeof DashCardBody.Type

/** POST /api/dashboard. */
export const DashboardBody = Schema.Struct({
  name: NonBlank,
  description: Schema.String,
  collection_id: Schema.Int,
  parameters: Schema.Array(DashboardParameter)
})
export type DashboardBody = typeof DashboardBody.Type

/** PUT /api/dashboard/:id: any of the fields, `archived`, and the full `dashcards` array. */
export const DashboardUpdate = DashboardBody.mapFields(Struct.map(Schema.optionalKey)).pipe(
  Schema.fieldsAssign({
    archived: Schema.optionalKey(Schema.Boolean),
    dashcards: Schema.optionalKey(Schema.Array(DashCardBody))
  })
)
export type DashboardUpdate = typeof DashboardUpdate.Type

export const PostgresDetails = Schema.Struct({
  host: NonBlank,
  port: Schema.Int,
  dbname: NonBlank,
  user: NonBlank,
  password: Schema.String,
  ssl: Schema.Boolean
})
export type PostgresDetails = typeof PostgresDetails.Type

/** POST /api/database. */
export const DatabaseBody = Schema.Struct({
  name: NonBlank,
  engine: Schema.Literal("postgres"),
  details: PostgresDetails
})

export const DatabaseUpdate = Schema.Struct({ details: PostgresDetails })

/** POST /api/collection (a closed map in Metabase: no other keys). */
export const CollectionBody = Schema.Struct({ name: NonBlank, description: NonBlank })

export const CollectionUpdate = Schema.Struct({ description: NonBlank })
