/**
 * A stand-in for Metabase v0.56 in the test suite: a real HTTP server on a free
 * port with its state in memory, implementing the endpoints the sync calls as
 * Metabase's own source defines them (request schemas, status codes, the
 * full-replace semantics of a dashboard's dashcards, the single-use first-run
 * setup, 401 without a session). packages/metabase/METABASE-API.md lists what
 * it follows and from which source file; what it does not do (run queries,
 * connect to the warehouse) is said there too.
 */

import { randomUUID } from "node:crypto"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"

type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [k: string]: Json }
type Obj = Record<string, unknown>

export interface RequestRecord {
  readonly method: string
  readonly path: string
  readonly status: number
}

interface User {
  readonly id: number
  readonly email: string
  password: string
}

interface Database {
  readonly id: number
  name: string
  engine: string
  details: Obj
}

interface Collection {
  readonly id: number
  name: string
  description: string | null
  location: string
  archived: boolean
  personal_owner_id: number | null
  type: string | null
}

interface Card {
  readonly id: number
  readonly entity_id: string
  name: string
  description: string | null
  display: string
  collection_id: number | null
  dataset_query: Obj
  visualization_settings: Obj
  archived: boolean
  readonly created_at: string
  updated_at: string
}

interface Dashboard {
  readonly id: number
  readonly entity_id: string
  name: string
  description: string | null
  collection_id: number | null
  parameters: ReadonlyArray<Obj>
  archived: boolean
  width: string
}

interface DashCard {
  readonly id: number
  readonly dashboard_id: number
  card_id: number | null
  row: number
  col: number
  size_x: number
  size_y: number
  parameter_mappings: ReadonlyArray<Obj>
  visualization_settings: Obj
  series: ReadonlyArray<Obj>
}

/** A refusal: the status and the body Metabase sends for it. */
class Refusal {
  readonly status: number
  readonly body: Json | string
  constructor(status: number, body: Json | string) {
    this.status = status
    this.body = body
  }
}

/** A 400 as Metabase's schema validation answers it: `{errors: {field: message}, specific-errors: …}`. */
const invalid = (errors: Record<string, string>) =>
  new Refusal(400, { errors, "specific-errors": Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, [v]])) })
const notFound = () => new Refusal(404, "Not found.")

const NON_BLANK = "value must be a non-blank string."
const POSITIVE_INT = "value must be an integer greater than zero."
const NON_NEGATIVE_INT = "value must be an integer greater or equal to than zero."
const MAP = "value must be a map."
const SEQUENCE = "value must be a sequence."

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v)
const isNonBlank = (v: unknown): v is string => typeof v === "string" && v.trim().length > 0
const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0
const isNonNegativeInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0

/** `[:map {:closed true} …]`: keys outside the schema are refused. */
const closed = (body: Obj, allowed: ReadonlyArray<string>) => {
  const extra = Object.keys(body).filter((k) => !allowed.includes(k))
  if (extra.length > 0) throw invalid(Object.fromEntries(extra.map((k) => [k, "disallowed key"])))
}

/** Metabase's default password complexity (`:normal`): six characters, one digit, not a common one. */
const validPassword = (v: unknown) =>
  typeof v === "string" && v.length >= 6 && /\d/.test(v) && !["password1", "123456", "abc123"].includes(v)

const ENGINES = new Set(["postgres", "h2", "mysql", "sqlserver", "mongo", "bigquery-cloud-sdk", "snowflake"])
const TEMPLATE_TAG_TYPES = new Set([
  "text",
  "number",
  "date",
  "boolean",
  "dimension",
  "temporal-unit",
  "card",
  "snippet"
])

export interface ContractServer {
  readonly url: string
  /** Every request received, in order. */
  readonly requests: Array<RequestRecord>
  /** Requests that change state: POST, PUT, DELETE other than the login (POST /api/session). */
  readonly writes: () => ReadonlyArray<RequestRecord>
  /** `initializing` answers GET /api/health with 503, as Metabase does while it starts. */
  health: "ok" | "initializing"
  readonly state: {
    readonly users: ReadonlyArray<User>
    readonly settings: ReadonlyMap<string, unknown>
    readonly databases: ReadonlyMap<number, Database>
    readonly collections: ReadonlyMap<number, Collection>
    readonly cards: ReadonlyMap<number, Card>
    readonly dashboards: ReadonlyMap<number, Dashboard>
    readonly dashcards: ReadonlyMap<number, DashCard>
  }
  readonly close: () => Promise<void>
}

export interface ContractOptions {
  /** An admin that already exists (Metabase set up before the sync runs). */
  readonly admin?: { readonly email: string; readonly password: string }
}

const makeHandler = (options: ContractOptions) => {
  let nextId = 100
  const id = () => nextId++
  const now = () => new Date().toISOString()
  const users: Array<User> = []
  const sessions = new Map<string, number>()
  const settings = new Map<string, unknown>([["anon-tracking-enabled", true]])
  const setupToken = randomUUID()
  const databases = new Map<number, Database>([
    [1, { id: 1, name: "Sample Database", engine: "h2", details: { db: "file:/plugins/sample-database.db" } }]
  ])
  const collections = new Map<number, Collection>([
    [
      2,
      {
        id: 2,
        name: "Trash",
        description: null,
        location: "/",
        archived: false,
        personal_owner_id: null,
        type: "trash"
      }
    ]
  ])
  const cards = new Map<number, Card>()
  const dashboards = new Map<number, Dashboard>()
  const dashcards = new Map<number, DashCard>()

  const addUser = (email: string, password: string) => {
    const user: User = { id: id(), email, password }
    users.push(user)
    const personal: Collection = {
      id: id(),
      name: `${email}'s Personal Collection`,
      description: null,
      location: "/",
      archived: false,
      personal_owner_id: user.id,
      type: null
    }
    collections.set(personal.id, personal)
    return user
  }
  if (options.admin !== undefined) addUser(options.admin.email, options.admin.password)

  const session = (userId: number) => {
    const key = randomUUID()
    sessions.set(key, userId)
    return key
  }

  const databaseJson = (d: Database) => ({
    id: d.id,
    name: d.name,
    engine: d.engine,
    details: "password" in d.details ? { ...d.details, password: "**MetabasePass**" } : d.details,
    is_sample: d.id === 1,
    is_full_sync: true,
    is_on_demand: false,
    native_permissions: "write"
  })
  const collectionJson = (c: Collection) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    location: c.location,
    archived: c.archived,
    personal_owner_id: c.personal_owner_id,
    type: c.type,
    slug: c.name.toLowerCase().replace(/[^a-z0-9]+/g, "_"),
    namespace: null,
    authority_level: null,
    can_write: true
  })
  const cardJson = (c: Card) => ({
    ...c,
    type: "question",
    query_type: (c.dataset_query as { type?: string }).type ?? "query",
    database_id: (c.dataset_query as { database?: number }).database ?? null,
    collection_position: null,
    dashboard_id: null,
    cache_ttl: null,
    enable_embedding: false,
    parameters: [],
    parameter_mappings: [],
    result_metadata: null,
    can_write: true
  })
  const dashboardJson = (d: Dashboard) => ({
    ...d,
    tabs: [],
    collection_position: null,
    cache_ttl: null,
    enable_embedding: false,
    auto_apply_filters: true,
    can_write: true,
    dashcards: [...dashcards.values()]
      .filter((dc) => dc.dashboard_id === d.id)
      .sort((a, b) => a.id - b.id)
      .map((dc) => ({
        ...dc,
        dashboard_tab_id: null,
        action_id: null,
        card: dc.card_id === null ? null : cardJson(cards.get(dc.card_id)!)
      }))
  })

  const requireSuperuser = (key: string | undefined) => {
    if (key === undefined || !sessions.has(key)) throw new Refusal(401, "Unauthenticated")
  }

  // --- validation of the shapes the source declares --------------------------------------------

  /** `::parameters.schema/parameter`: at least a non-blank `id` and a `type`. */
  const checkParameters = (field: string, value: unknown) => {
    if (value === undefined || value === null) return
    if (!Array.isArray(value)) throw invalid({ [field]: SEQUENCE })
    for (const p of value) {
      if (!isObj(p) || !isNonBlank(p.id) || !isNonBlank(p.type)) {
        throw invalid({ [field]: "value must be a sequence of parameters, each with a non-blank :id and a :type." })
      }
    }
  }

  /** The legacy native `dataset_query`: a database that exists, the SQL, template tags keyed by their names. */
  const checkDatasetQuery = (q: unknown) => {
    if (!isObj(q)) throw invalid({ dataset_query: MAP })
    if (q.type !== "native") return
    if (!isPositiveInt(q.database) || !databases.has(q.database)) {
      throw invalid({ dataset_query: "native query needs the id of an existing :database." })
    }
    const native = q.native
    if (!isObj(native) || typeof native.query !== "string") {
      throw invalid({ dataset_query: "native query needs :native {:query <string>}." })
    }
    const tags = native["template-tags"] ?? {}
    if (!isObj(tags)) throw invalid({ dataset_query: "template-tags must be a map." })
    for (const [name, tag] of Object.entries(tags)) {
      if (
        !isObj(tag) ||
        tag.name !== name ||
        !isNonBlank(tag.id) ||
        !isNonBlank(tag["display-name"]) ||
        !TEMPLATE_TAG_TYPES.has(tag.type as string)
      ) {
        throw invalid({
          dataset_query: `template tag ${name}: needs :id, :name (equal to its key), :display-name and a known :type.`
        })
      }
    }
  }

  const checkCollectionId = (value: unknown) => {
    if (value === undefined || value === null) return
    if (!isPositiveInt(value)) throw invalid({ collection_id: POSITIVE_INT })
    if (!collections.has(value)) throw notFound()
  }

  // --- endpoints ------------------------------------------------------------------------------

  const routes: Array<{
    readonly method: string
    readonly pattern: RegExp
    readonly auth: boolean
    readonly handle: (match: RegExpExecArray, body: Obj, query: URLSearchParams) => { status: number; body?: unknown }
  }> = [
    {
      method: "GET",
      pattern: /^\/api\/health$/,
      auth: false,
      handle: () =>
        server.health === "ok"
          ? { status: 200, body: { status: "ok" } }
          : { status: 503, body: { status: "initializing", progress: 0.4 } }
    },
    {
      method: "GET",
      pattern: /^\/api\/session\/properties$/,
      auth: false,
      handle: () => ({
        status: 200,
        body: {
          "setup-token": setupToken,
          "has-user-setup": users.length > 0,
          "site-name": settings.get("site-name") ?? "Metabase",
          "anon-tracking-enabled": settings.get("anon-tracking-enabled"),
          version: { tag: "v0.56.9" },
          "available-locales": [["en", "English"]]
        }
      })
    },
    {
      // src/metabase/setup/api.clj: POST /api/setup
      method: "POST",
      pattern: /^\/api\/setup$/,
      auth: false,
      handle: (_m, body) => {
        if (body.token !== setupToken) throw invalid({ token: "Token does not match the setup token." })
        const user = body.user
        const prefs = body.prefs
        if (!isObj(user)) throw invalid({ user: MAP })
        if (!isObj(prefs)) throw invalid({ prefs: MAP })
        if (typeof user.email !== "string" || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(user.email)) {
          throw invalid({ email: "value must be a valid email address." })
        }
        if (!validPassword(user.password)) throw invalid({ password: "password is too common." })
        if (!isNonBlank(prefs.site_name)) throw invalid({ site_name: NON_BLANK })
        if (users.length > 0) {
          throw new Refusal(
            403,
            "The /api/setup route can only be used to create the first user, however a user currently exists."
          )
        }
        const created = addUser(user.email, user.password as string)
        settings.set("site-name", prefs.site_name)
        settings.set("admin-email", user.email)
        // As in the source: setup turns anonymous tracking on; turning it off is a separate setting write.
        settings.set("anon-tracking-enabled", true)
        return { status: 200, body: { id: session(created.id) } }
      }
    },
    {
      // src/metabase/session/api.clj: POST /api/session
      method: "POST",
      pattern: /^\/api\/session$/,
      auth: false,
      handle: (_m, body) => {
        if (!isNonBlank(body.username)) throw invalid({ username: NON_BLANK })
        if (!isNonBlank(body.password)) throw invalid({ password: NON_BLANK })
        const username = body.username.toLowerCase()
        const user = users.find((u) => u.email.toLowerCase() === username)
        if (user === undefined || user.password !== body.password) {
          throw new Refusal(401, { errors: { password: "did not match stored password" } })
        }
        return { status: 200, body: { id: session(user.id) } }
      }
    },
    {
      // PUT /api/setting/:key {value}: 204
      method: "PUT",
      pattern: /^\/api\/setting\/([a-z0-9-]+)$/,
      auth: true,
      handle: (m, body) => {
        closed(body, ["value"])
        if (!("value" in body)) throw invalid({ value: "value is required." })
        settings.set(m[1]!, body.value)
        return { status: 204 }
      }
    },
    {
      method: "GET",
      pattern: /^\/api\/database$/,
      auth: true,
      handle: () => {
        const data = [...databases.values()].map(databaseJson)
        return { status: 200, body: { data, total: data.length } }
      }
    },
    {
      // src/metabase/warehouses/api.clj: POST /api/database
      method: "POST",
      pattern: /^\/api\/database$/,
      auth: true,
      handle: (_m, body) => {
        if (!isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (typeof body.engine !== "string" || !ENGINES.has(body.engine)) {
          throw invalid({ engine: "value must be a valid database engine." })
        }
        if (!isObj(body.details)) throw invalid({ details: MAP })
        // Metabase tests the connection here; the contract checks the details a postgres connection needs.
        const d = body.details
        if (
          body.engine === "postgres" &&
          !(isNonBlank(d.host) && isPositiveInt(d.port) && isNonBlank(d.dbname) && isNonBlank(d.user))
        ) {
          throw new Refusal(400, {
            message: "Hmm, we couldn't connect to the database. Make sure your Host and Port settings are correct",
            errors: { host: "check your host settings", port: "check your port settings" }
          })
        }
        const db: Database = { id: id(), name: body.name, engine: body.engine, details: d }
        databases.set(db.id, db)
        return { status: 200, body: databaseJson(db) }
      }
    },
    {
      method: "PUT",
      pattern: /^\/api\/database\/(\d+)$/,
      auth: true,
      handle: (m, body) => {
        const db = databases.get(Number(m[1]))
        if (db === undefined) throw notFound()
        if (body.details !== undefined && body.details !== null) {
          if (!isObj(body.details)) throw invalid({ details: MAP })
          db.details = body.details
        }
        if (isNonBlank(body.name)) db.name = body.name
        return { status: 200, body: databaseJson(db) }
      }
    },
    {
      // src/metabase/collections/api.clj: GET /api/collection (the root collection first)
      method: "GET",
      pattern: /^\/api\/collection$/,
      auth: true,
      handle: (_m, _b, query) => {
        const archived = query.get("archived") === "true"
        const list = [...collections.values()]
          .filter((c) => c.archived === archived)
          .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
          .map(collectionJson)
        return {
          status: 200,
          body: archived
            ? list
            : [{ id: "root", name: "Our analytics", can_write: true, effective_ancestors: [] }, ...list]
        }
      }
    },
    {
      method: "POST",
      pattern: /^\/api\/collection$/,
      auth: true,
      handle: (_m, body) => {
        closed(body, ["name", "description", "parent_id", "namespace", "authority_level"])
        if (!isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (body.description !== undefined && body.description !== null && !isNonBlank(body.description)) {
          throw invalid({ description: NON_BLANK })
        }
        if (body.parent_id !== undefined && body.parent_id !== null) {
          if (!isPositiveInt(body.parent_id)) throw invalid({ parent_id: POSITIVE_INT })
          if (!collections.has(body.parent_id)) throw notFound()
        }
        const parent = typeof body.parent_id === "number" ? collections.get(body.parent_id)! : undefined
        const c: Collection = {
          id: id(),
          name: body.name,
          description: (body.description as string | undefined) ?? null,
          location: parent === undefined ? "/" : `${parent.location}${parent.id}/`,
          archived: false,
          personal_owner_id: null,
          type: null
        }
        collections.set(c.id, c)
        return { status: 200, body: collectionJson(c) }
      }
    },
    {
      method: "PUT",
      pattern: /^\/api\/collection\/(\d+)$/,
      auth: true,
      handle: (m, body) => {
        const c = collections.get(Number(m[1]))
        if (c === undefined) throw notFound()
        if (body.name !== undefined && body.name !== null) {
          if (!isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
          c.name = body.name
        }
        if ("description" in body) {
          if (body.description !== null && typeof body.description !== "string") {
            throw invalid({ description: "value must be a string." })
          }
          c.description = body.description as string | null
        }
        if (typeof body.archived === "boolean") c.archived = body.archived
        return { status: 200, body: collectionJson(c) }
      }
    },
    {
      // GET /api/collection/:id/items?models=…: {data, total, models, limit, offset}, archived items left out
      method: "GET",
      pattern: /^\/api\/collection\/(\d+)\/items$/,
      auth: true,
      handle: (m, _b, query) => {
        const collectionId = Number(m[1])
        if (!collections.has(collectionId)) throw notFound()
        const models = query.getAll("models")
        const want = (model: string) => models.length === 0 || models.includes(model)
        const data = [
          ...(want("card")
            ? [...cards.values()]
                .filter((c) => c.collection_id === collectionId && !c.archived)
                .map((c) => ({
                  id: c.id,
                  model: "card",
                  name: c.name,
                  description: c.description,
                  entity_id: c.entity_id,
                  display: c.display,
                  collection_position: null,
                  archived: false
                }))
            : []),
          ...(want("dashboard")
            ? [...dashboards.values()]
                .filter((d) => d.collection_id === collectionId && !d.archived)
                .map((d) => ({
                  id: d.id,
                  model: "dashboard",
                  name: d.name,
                  description: d.description,
                  entity_id: d.entity_id,
                  collection_position: null,
                  archived: false
                }))
            : [])
        ].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()))
        return { status: 200, body: { data, total: data.length, models: models, limit: null, offset: null } }
      }
    },
    {
      method: "GET",
      pattern: /^\/api\/card\/(\d+)$/,
      auth: true,
      handle: (m) => {
        const c = cards.get(Number(m[1]))
        if (c === undefined) throw notFound()
        return { status: 200, body: cardJson(c) }
      }
    },
    {
      // src/metabase/queries/api/card.clj: POST /api/card (CardCreateSchema)
      method: "POST",
      pattern: /^\/api\/card$/,
      auth: true,
      handle: (_m, body) => {
        if (!isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (!isObj(body.dataset_query)) throw invalid({ dataset_query: MAP })
        if (!isNonBlank(body.display)) throw invalid({ display: NON_BLANK })
        if (!isObj(body.visualization_settings)) throw invalid({ visualization_settings: MAP })
        if (body.description !== undefined && body.description !== null && !isNonBlank(body.description)) {
          throw invalid({ description: NON_BLANK })
        }
        checkCollectionId(body.collection_id)
        checkDatasetQuery(body.dataset_query)
        const card: Card = {
          id: id(),
          entity_id: randomUUID().replace(/-/g, "").slice(0, 21),
          name: body.name,
          description: (body.description as string | undefined) ?? null,
          display: body.display,
          collection_id: (body.collection_id as number | undefined) ?? null,
          dataset_query: body.dataset_query,
          visualization_settings: body.visualization_settings,
          archived: false,
          created_at: now(),
          updated_at: now()
        }
        cards.set(card.id, card)
        return { status: 200, body: cardJson(card) }
      }
    },
    {
      // PUT /api/card/:id (CardUpdateSchema): only the keys sent change
      method: "PUT",
      pattern: /^\/api\/card\/(\d+)$/,
      auth: true,
      handle: (m, body) => {
        const c = cards.get(Number(m[1]))
        if (c === undefined) throw notFound()
        if (body.name !== undefined && body.name !== null && !isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (body.display !== undefined && body.display !== null && !isNonBlank(body.display)) {
          throw invalid({ display: NON_BLANK })
        }
        if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
          throw invalid({ description: "value must be a string." })
        }
        for (const k of ["dataset_query", "visualization_settings"] as const) {
          if (body[k] !== undefined && body[k] !== null && !isObj(body[k])) throw invalid({ [k]: MAP })
        }
        if (body.archived !== undefined && body.archived !== null && typeof body.archived !== "boolean") {
          throw invalid({ archived: "value must be a boolean." })
        }
        checkCollectionId(body.collection_id)
        if (isObj(body.dataset_query)) checkDatasetQuery(body.dataset_query)
        if (isNonBlank(body.name)) c.name = body.name
        if ("description" in body) c.description = body.description as string | null
        if (isNonBlank(body.display)) c.display = body.display
        if ("collection_id" in body) c.collection_id = body.collection_id as number | null
        if (isObj(body.dataset_query)) c.dataset_query = body.dataset_query
        if (isObj(body.visualization_settings)) c.visualization_settings = body.visualization_settings
        if (typeof body.archived === "boolean") c.archived = body.archived
        c.updated_at = now()
        return { status: 200, body: cardJson(c) }
      }
    },
    {
      method: "GET",
      pattern: /^\/api\/dashboard\/(\d+)$/,
      auth: true,
      handle: (m) => {
        const d = dashboards.get(Number(m[1]))
        if (d === undefined) throw notFound()
        return { status: 200, body: dashboardJson(d) }
      }
    },
    {
      // src/metabase/dashboards/api.clj: POST /api/dashboard
      method: "POST",
      pattern: /^\/api\/dashboard$/,
      auth: true,
      handle: (_m, body) => {
        if (!isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
          throw invalid({ description: "value must be a string." })
        }
        checkParameters("parameters", body.parameters)
        checkCollectionId(body.collection_id)
        const d: Dashboard = {
          id: id(),
          entity_id: randomUUID().replace(/-/g, "").slice(0, 21),
          name: body.name,
          description: (body.description as string | undefined) ?? null,
          collection_id: (body.collection_id as number | undefined) ?? null,
          parameters: (body.parameters as ReadonlyArray<Obj> | undefined) ?? [],
          archived: false,
          width: "fixed"
        }
        dashboards.set(d.id, d)
        return { status: 200, body: dashboardJson(d) }
      }
    },
    {
      // PUT /api/dashboard/:id (DashUpdates); `dashcards`, when present, replaces the dashboard's dashcards:
      // ids it does not hold are created (new ones are negative), ids it holds are updated, the rest deleted.
      method: "PUT",
      pattern: /^\/api\/dashboard\/(\d+)$/,
      auth: true,
      handle: (m, body) => {
        const d = dashboards.get(Number(m[1]))
        if (d === undefined) throw notFound()
        if (body.name !== undefined && body.name !== null && !isNonBlank(body.name)) throw invalid({ name: NON_BLANK })
        if (body.description !== undefined && body.description !== null && typeof body.description !== "string") {
          throw invalid({ description: "value must be a string." })
        }
        checkParameters("parameters", body.parameters)
        checkCollectionId(body.collection_id)
        if (body.archived !== undefined && body.archived !== null && typeof body.archived !== "boolean") {
          throw invalid({ archived: "value must be a boolean." })
        }
        const incoming = body.dashcards
        if (incoming !== undefined && incoming !== null) {
          if (!Array.isArray(incoming)) throw invalid({ dashcards: SEQUENCE })
          const seen = new Set<number>()
          for (const dc of incoming as ReadonlyArray<unknown>) {
            if (!isObj(dc) || !Number.isInteger(dc.id))
              throw invalid({ dashcards: "each dashcard needs an integer :id." })
            if (seen.has(dc.id as number))
              throw invalid({ dashcards: "value must be seq of maps in which :ids are unique" })
            seen.add(dc.id as number)
            if (!isPositiveInt(dc.size_x)) throw invalid({ size_x: POSITIVE_INT })
            if (!isPositiveInt(dc.size_y)) throw invalid({ size_y: POSITIVE_INT })
            if (!isNonNegativeInt(dc.row)) throw invalid({ row: NON_NEGATIVE_INT })
            if (!isNonNegativeInt(dc.col)) throw invalid({ col: NON_NEGATIVE_INT })
            const mappings = dc.parameter_mappings
            if (mappings !== undefined && mappings !== null) {
              if (!Array.isArray(mappings)) throw invalid({ parameter_mappings: SEQUENCE })
              for (const pm of mappings as ReadonlyArray<unknown>) {
                if (!isObj(pm) || !isNonBlank(pm.parameter_id) || !("target" in pm)) {
                  throw invalid({ parameter_mappings: "each mapping needs a non-blank :parameter_id and a :target." })
                }
              }
            }
            if (dc.series !== undefined && dc.series !== null && !Array.isArray(dc.series)) {
              throw invalid({ series: SEQUENCE })
            }
          }
          const unarchiving = body.archived === false
          if (d.archived && !unarchiving) throw new Refusal(404, "The object has been archived.")
        }
        if (isNonBlank(body.name)) d.name = body.name
        if ("description" in body) d.description = body.description as string | null
        if (Array.isArray(body.parameters)) d.parameters = body.parameters as ReadonlyArray<Obj>
        if ("collection_id" in body) d.collection_id = body.collection_id as number | null
        if (typeof body.archived === "boolean") d.archived = body.archived
        if (Array.isArray(incoming)) {
          const current = [...dashcards.values()].filter((dc) => dc.dashboard_id === d.id)
          const wanted = incoming as ReadonlyArray<Obj>
          const currentIds = new Set(current.map((dc) => dc.id))
          const toCreate = wanted.filter((dc) => !currentIds.has(dc.id as number))
          // create-dashcards!: each new card must exist and not be archived.
          for (const dc of toCreate) {
            if (dc.card_id === undefined || dc.card_id === null) continue
            const card = cards.get(dc.card_id as number)
            if (card === undefined) throw notFound()
            if (card.archived) throw new Refusal(404, "The object has been archived.")
          }
          for (const dc of current) if (!wanted.some((w) => w.id === dc.id)) dashcards.delete(dc.id)
          for (const dc of wanted) {
            const fields = {
              card_id: (dc.card_id as number | null | undefined) ?? null,
              row: dc.row as number,
              col: dc.col as number,
              size_x: dc.size_x as number,
              size_y: dc.size_y as number,
              parameter_mappings: (dc.parameter_mappings as ReadonlyArray<Obj> | undefined) ?? [],
              visualization_settings: (dc.visualization_settings as Obj | undefined) ?? {},
              series: (dc.series as ReadonlyArray<Obj> | undefined) ?? []
            }
            if (currentIds.has(dc.id as number)) Object.assign(dashcards.get(dc.id as number)!, fields)
            else {
              const created: DashCard = { id: id(), dashboard_id: d.id, ...fields }
              dashcards.set(created.id, created)
            }
          }
        }
        return { status: 200, body: dashboardJson(d) }
      }
    }
  ]

  const server = {
    health: "ok" as "ok" | "initializing",
    handle: (method: string, path: string, query: URLSearchParams, key: string | undefined, body: Obj) => {
      // While it starts, Metabase answers every other API route with 503 (src/metabase/server/routes.clj).
      if (server.health !== "ok" && path !== "/api/health") {
        return { status: 503, body: "Metabase is still initializing. Please sit tight..." }
      }
      const matching = routes.filter((r) => r.pattern.test(path))
      if (matching.length === 0) return { status: 404, body: "API endpoint does not exist." }
      const route = matching.find((r) => r.method === method)
      if (route === undefined) return { status: 405, body: "Method not allowed" }
      if (route.auth) requireSuperuser(key)
      return route.handle(route.pattern.exec(path)!, body, query)
    },
    state: { users, settings, databases, collections, cards, dashboards, dashcards }
  }
  return server
}

const readBody = (req: Http.IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** Starts a contract server on a free loopback port; stopped when the scope closes. */
export const startContractServer = (options: ContractOptions = {}) =>
  Effect.acquireRelease(
    Effect.callback<ContractServer>((resume) => {
      const metabase = makeHandler(options)
      const requests: Array<RequestRecord> = []
      const http = Http.createServer((req, res) => {
        readBody(req).then(
          (text) => {
            const url = new URL(req.url ?? "/", "http://localhost")
            const method = req.method ?? "GET"
            let result: { status: number; body?: unknown }
            try {
              let body: unknown = {}
              if (text.length > 0) {
                try {
                  body = JSON.parse(text)
                } catch {
                  throw new Refusal(400, "Malformed JSON in request body.")
                }
              }
              if (!isObj(body)) throw invalid({ body: MAP })
              const header = req.headers["x-metabase-session"]
              result = metabase.handle(
                method,
                url.pathname,
                url.searchParams,
                typeof header === "string" ? header : undefined,
                body
              )
            } catch (e) {
              if (!(e instanceof Refusal)) throw e
              result = { status: e.status, body: e.body }
            }
            requests.push({ method, path: url.pathname, status: result.status })
            if (result.body === undefined) {
              res.writeHead(result.status).end()
            } else if (typeof result.body === "string") {
              res.writeHead(result.status, { "content-type": "text/plain" }).end(result.body)
            } else {
              res.writeHead(result.status, { "content-type": "application/json" }).end(JSON.stringify(result.body))
            }
          },
          () => res.writeHead(500).end()
        )
      })
      http.listen(0, "127.0.0.1", () => {
        const port = (http.address() as AddressInfo).port
        const contract: ContractServer = {
          url: `http://127.0.0.1:${port}`,
          requests,
          writes: () =>
            requests.filter((r) => r.method !== "GET" && !(r.method === "POST" && r.path === "/api/session")),
          get health() {
            return metabase.health
          },
          set health(value) {
            metabase.health = value
          },
          state: metabase.state,
          close: () =>
            new Promise<void>((done) => {
              http.close(() => done())
              http.closeAllConnections()
            })
        }
        resume(Effect.succeed(contract))
      })
    }),
    (contract) => Effect.promise(() => contract.close())
  )
