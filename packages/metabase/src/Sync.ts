/**
 * `brewlytics dashboards sync`: makes Metabase hold the dashboard specs.
 *
 * Wait for Metabase; on a fresh one complete the first-run setup (tracking off);
 * log in; register the warehouse once; then, inside one collection, create or
 * update each card and dashboard, and archive the managed ones no spec names any
 * more. Each object is compared field by field with what Metabase holds and only
 * what differs is sent, so a second run writes nothing. `dryRun` reads only and
 * returns the same plan.
 */
import { Clock, Duration, Effect, Redacted } from "effect"
import type * as Api from "./metabase/Api.ts"
import { cardBody, cardIdentity, dashboardBody, dashcards, identityOf } from "./metabase/Desired.ts"
import { cardDifferences, dashboardDifferences } from "./metabase/Differences.ts"
import { MetabaseError, UnexpectedResponse, Unreachable } from "./metabase/Errors.ts"
import { MetabaseClient } from "./metabase/MetabaseClient.ts"
import { METABASE_VERSION } from "./metabase/Requests.ts"
import { MetabaseSettings } from "./metabase/Settings.ts"
import { formatEntry, type PlanEntry } from "./Plan.ts"
import type { DashboardSpec } from "./Spec.ts"

export interface SyncOptions {
  readonly dashboards: ReadonlyArray<DashboardSpec>
  readonly dryRun: boolean
  readonly onProgress: (line: string) => Effect.Effect<void>
}

const COLLECTION_DESCRIPTION =
  "Dashboards and questions kept by `brewlytics dashboards sync`: edit their specs, not these copies (the next sync overwrites them)."

/** Polls GET /api/health once a second until Metabase is ready, printing a line when its state changes. */
export const waitUntilReady = Effect.fn("Metabase.waitUntilReady")(function* (
  onProgress: (line: string) => Effect.Effect<void>
) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const limit = Duration.toMillis(settings.wait)
  const start = yield* Clock.currentTimeMillis
  let last = ""
  while (true) {
    const health = yield* client.health
    const elapsed = (yield* Clock.currentTimeMillis) - start
    if (health.ready) {
      if (last !== "") yield* onProgress(`Metabase is ready (${(elapsed / 1000).toFixed(0)} s).`)
      return
    }
    if (health.detail !== last) {
      yield* onProgress(
        `Waiting for Metabase at ${client.url}: ${health.detail} (${(elapsed / 1000).toFixed(0)} s of at most ${Duration.format(settings.wait)})`
      )
      last = health.detail
    }
    if (elapsed >= limit) {
      return yield* new MetabaseError({
        reason: new Unreachable({
          message: `Metabase at ${client.url} was not ready within ${Duration.format(settings.wait)} (last: ${health.detail}). Start Metabase ${METABASE_VERSION} (README, section Metabase), or set METABASE_URL to where it runs; METABASE_WAIT sets how long to wait.`
        })
      })
    }
    yield* Effect.sleep(Duration.millis(Math.min(1000, limit - elapsed)))
  }
})

const pick = <T extends object, K extends keyof T>(body: T, fields: ReadonlyArray<K>): Pick<T, K> =>
  Object.fromEntries(fields.map((f) => [f, body[f]])) as Pick<T, K>

/** Every object the sync would create on a Metabase without an admin (a dry run cannot log in there). */
const freshPlan = (dashboards: ReadonlyArray<DashboardSpec>, settings: MetabaseSettings["Service"]) => [
  { action: "create", kind: "setup", name: settings.adminEmail, fields: [] } as const,
  { action: "create", kind: "database", name: settings.databaseName, fields: [] } as const,
  { action: "create", kind: "collection", name: settings.collection, fields: [] } as const,
  ...dashboards.flatMap((d) => [
    ...d.cards.map((c) => ({ action: "create", kind: "card", name: cardIdentity(d, c), fields: [] }) as const),
    { action: "create", kind: "dashboard", name: d.slug, fields: [] } as const
  ])
]

/** One run: whether it writes, where its plan goes, and stand-in ids for what a dry run does not create. */
interface Run {
  readonly dryRun: boolean
  readonly record: (entry: PlanEntry) => Effect.Effect<void>
  readonly standIn: () => number
}

/** Sets up a fresh Metabase (tracking off) or logs in. `false`: a fresh Metabase in a dry run (no session). */
const openSession = Effect.fn("Metabase.openSession")(function* (run: Run) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const properties = yield* client.properties
  if (properties["has-user-setup"]) {
    yield* client.login
    return true
  }
  if (run.dryRun) return false
  const token = properties["setup-token"]
  if (token === undefined || token === null) {
    return yield* new MetabaseError({
      reason: new UnexpectedResponse({
        message: `Metabase at ${client.url} has no admin yet but published no setup token (GET /api/session/properties). Finish its setup in the browser, then set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD to that admin.`
      })
    })
  }
  yield* client.setup(token)
  yield* client.setSetting("anon-tracking-enabled", false)
  yield* run.record({ action: "create", kind: "setup", name: settings.adminEmail, fields: [] })
  return true
})

/** The warehouse, registered once (matched by name); its connection updated if host, port, database or user moved. */
const ensureDatabase = Effect.fn("Metabase.ensureDatabase")(function* (run: Run) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const w = settings.warehouse
  const details: Api.PostgresDetails = {
    host: w.host,
    port: w.port,
    dbname: w.dbname,
    user: w.user,
    password: Redacted.value(w.password),
    ssl: false
  }
  const name = settings.databaseName
  const held = (yield* client.databases).find((d) => d.name === name)
  if (held === undefined) {
    const id = run.dryRun ? run.standIn() : (yield* client.createDatabase({ name, engine: "postgres", details })).id
    yield* run.record({ action: "create", kind: "database", name, fields: [] })
    return id
  }
  // The password comes back masked: it is not compared, and is sent only with a change of the rest.
  const current = held.details ?? {}
  const changed = (["host", "port", "dbname", "user"] as const).filter((k) => String(current[k]) !== String(details[k]))
  if (changed.length > 0 && !run.dryRun) yield* client.updateDatabase(held.id, { details })
  yield* run.record({
    action: changed.length > 0 ? "update" : "unchanged",
    kind: "database",
    name,
    fields: changed.map((k) => `details.${k}`)
  })
  return held.id
})

/** The collection (top level, matched by name): its id, and whether it existed before this run. */
const ensureCollection = Effect.fn("Metabase.ensureCollection")(function* (run: Run) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const name = settings.collection
  const held = (yield* client.collections).find(
    (c) =>
      c.name === name &&
      typeof c.id === "number" &&
      c.archived !== true &&
      (c.location ?? "/") === "/" &&
      (c.personal_owner_id ?? null) === null
  )
  if (held === undefined) {
    const id = run.dryRun
      ? run.standIn()
      : ((yield* client.createCollection({ name, description: COLLECTION_DESCRIPTION })).id as number)
    yield* run.record({ action: "create", kind: "collection", name, fields: [] })
    return { id, existed: false }
  }
  const id = held.id as number
  const changed = (held.description ?? "") !== COLLECTION_DESCRIPTION
  if (changed && !run.dryRun) yield* client.updateCollection(id, { description: COLLECTION_DESCRIPTION })
  yield* run.record({
    action: changed ? "update" : "unchanged",
    kind: "collection",
    name,
    fields: changed ? ["description"] : []
  })
  return { id, existed: true }
})

/** The sync's own objects of one model in the collection, by identity: the lowest id wins, other copies are extra. */
const managedBy = (items: ReadonlyArray<Api.CollectionItem>, model: "card" | "dashboard") => {
  const found = new Map<string, number>()
  const extra: Array<{ readonly identity: string; readonly id: number }> = []
  for (const item of [...items].sort((a, b) => a.id - b.id)) {
    const identity = identityOf(item.description)
    if (item.model !== model || identity === undefined) continue
    if (found.has(identity)) extra.push({ identity, id: item.id })
    else found.set(identity, item.id)
  }
  return { found, extra }
}

/** A card: created, or updated with the fields that differ. Its Metabase id. */
const syncCard = Effect.fn("Metabase.syncCard")(function* (
  run: Run,
  identity: string,
  body: Api.CardBody,
  id: number | undefined
) {
  const client = yield* MetabaseClient
  if (id === undefined) {
    const created = run.dryRun ? run.standIn() : (yield* client.createCard(body)).id
    yield* run.record({ action: "create", kind: "card", name: identity, fields: [] })
    return created
  }
  const fields = cardDifferences(body, yield* client.card(id))
  if (fields.length > 0 && !run.dryRun) yield* client.updateCard(id, pick(body, fields))
  yield* run.record({ action: fields.length > 0 ? "update" : "unchanged", kind: "card", name: identity, fields })
  return id
})

/** A dashboard: created then given its dashcards, or updated with the fields that differ (dashcards as a whole). */
const syncDashboard = Effect.fn("Metabase.syncDashboard")(function* (
  run: Run,
  dashboard: DashboardSpec,
  body: Api.DashboardBody,
  cardIds: ReadonlyMap<string, number>,
  id: number | undefined
) {
  const client = yield* MetabaseClient
  if (id === undefined) {
    if (!run.dryRun) {
      const created = yield* client.createDashboard(body)
      yield* client.updateDashboard(created.id, { dashcards: dashcards(dashboard, cardIds, []) })
    }
    return yield* run.record({ action: "create", kind: "dashboard", name: dashboard.slug, fields: [] })
  }
  const current = yield* client.dashboard(id)
  const wanted = dashcards(dashboard, cardIds, current.dashcards ?? [])
  const fields = dashboardDifferences(body, wanted, current)
  if (fields.length > 0 && !run.dryRun) {
    const changed = pick(
      body,
      fields.filter((f) => f !== "dashcards")
    )
    yield* client.updateDashboard(id, fields.includes("dashcards") ? { ...changed, dashcards: wanted } : changed)
  }
  yield* run.record({
    action: fields.length > 0 ? "update" : "unchanged",
    kind: "dashboard",
    name: dashboard.slug,
    fields
  })
})

export const sync = Effect.fn("Metabase.sync")(function* (options: SyncOptions) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const { dryRun, dashboards } = options
  const plan: Array<PlanEntry> = []
  let placeholder = 0
  const run: Run = {
    dryRun,
    record: (entry) => {
      plan.push(entry)
      return options.onProgress(formatEntry(entry))
    },
    standIn: () => --placeholder
  }

  yield* waitUntilReady(options.onProgress)
  if (!(yield* openSession(run))) {
    for (const entry of freshPlan(dashboards, settings)) yield* run.record(entry)
    return plan
  }
  const databaseId = yield* ensureDatabase(run)
  const collection = yield* ensureCollection(run)
  const items = collection.existed ? yield* client.collectionItems(collection.id) : []
  const cards = managedBy(items, "card")
  const boards = managedBy(items, "dashboard")

  for (const dashboard of dashboards) {
    const cardIds = new Map<string, number>()
    for (const card of dashboard.cards) {
      const identity = cardIdentity(dashboard, card)
      const body = cardBody(dashboard, card, { databaseId, collectionId: collection.id })
      cardIds.set(card.slug, yield* syncCard(run, identity, body, cards.found.get(identity)))
    }
    const body = dashboardBody(dashboard, collection.id)
    yield* syncDashboard(run, dashboard, body, cardIds, boards.found.get(dashboard.slug))
  }

  // Managed objects no spec names any more (or second copies): archived, dashboards first.
  const wantedBoards = new Set(dashboards.map((d) => d.slug))
  const wantedCards = new Set(dashboards.flatMap((d) => d.cards.map((c) => cardIdentity(d, c))))
  const stale = (group: ReturnType<typeof managedBy>, wanted: ReadonlySet<string>) => [
    ...[...group.found].filter(([identity]) => !wanted.has(identity)).map(([identity, id]) => ({ identity, id })),
    ...group.extra
  ]
  for (const { identity, id } of stale(boards, wantedBoards)) {
    if (!dryRun) yield* client.updateDashboard(id, { archived: true })
    yield* run.record({ action: "archive", kind: "dashboard", name: identity, fields: [] })
  }
  for (const { identity, id } of stale(cards, wantedCards)) {
    if (!dryRun) yield* client.updateCard(id, { archived: true })
    yield* run.record({ action: "archive", kind: "card", name: identity, fields: [] })
  }
  return plan
})
