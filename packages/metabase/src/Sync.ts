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
import {
  cardBody,
  cardDifferences,
  cardIdentity,
  dashboardBody,
  dashboardDifferences,
  dashcards,
  identityOf
} from "./metabase/Desired.ts"
import { MetabaseError } from "./metabase/Errors.ts"
import { METABASE_VERSION, MetabaseClient } from "./metabase/MetabaseClient.ts"
import { MetabaseSettings } from "./metabase/Settings.ts"
import type { DashboardSpec } from "./Spec.ts"

export type Action = "create" | "update" | "unchanged" | "archive"

export interface PlanEntry {
  readonly action: Action
  readonly kind: "setup" | "database" | "collection" | "card" | "dashboard"
  /** The object's identity: a name, or a card's `<dashboard>/<card>`. */
  readonly name: string
  /** For an update: the fields that differ. */
  readonly fields: ReadonlyArray<string>
}

export interface SyncOptions {
  readonly dashboards: ReadonlyArray<DashboardSpec>
  readonly dryRun: boolean
  readonly onProgress: (line: string) => Effect.Effect<void>
}

const COLLECTION_DESCRIPTION =
  "Dashboards and questions kept by `brewlytics dashboards sync`: edit their specs, not these copies (the next sync overwrites them)."

/** One line of the plan, as printed. */
export const formatEntry = (entry: PlanEntry): string =>
  `${entry.action.padEnd(9)} ${entry.kind.padEnd(10)} ${entry.name}${entry.fields.length > 0 ? ` (${entry.fields.join(", ")})` : ""}`

/** Counts per action: "2 created, 1 updated, 30 unchanged, 0 archived" (or "to create", … for a plan). */
export const summarize = (entries: ReadonlyArray<PlanEntry>, dryRun: boolean): string => {
  const count = (a: Action) => entries.filter((e) => e.action === a).length
  const words: Record<Action, readonly [string, string]> = {
    create: ["created", "to create"],
    update: ["updated", "to update"],
    unchanged: ["unchanged", "unchanged"],
    archive: ["archived", "to archive"]
  }
  return (["create", "update", "unchanged", "archive"] as const)
    .map((a) => `${count(a)} ${words[a][dryRun ? 1 : 0]}`)
    .join(", ")
}

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
        reason: "Unreachable",
        message: `Metabase at ${client.url} was not ready within ${Duration.format(settings.wait)} (last: ${health.detail}). Start Metabase ${METABASE_VERSION} (README, section Metabase), or set METABASE_URL to where it runs; METABASE_WAIT sets how long to wait.`
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

export const sync = Effect.fn("Metabase.sync")(function* (options: SyncOptions) {
  const client = yield* MetabaseClient
  const settings = yield* MetabaseSettings
  const { dryRun, dashboards } = options
  const plan: Array<PlanEntry> = []
  const record = (entry: PlanEntry) => {
    plan.push(entry)
    return options.onProgress(formatEntry(entry))
  }
  // Stand-in ids for objects a dry run does not create.
  let placeholder = 0
  const stand = () => --placeholder

  yield* waitUntilReady(options.onProgress)

  // First-run setup, then a session.
  const properties = yield* client.properties
  if (!properties["has-user-setup"]) {
    if (dryRun) {
      for (const entry of freshPlan(dashboards, settings)) yield* record(entry)
      return plan
    }
    const token = properties["setup-token"]
    if (token === undefined || token === null) {
      return yield* new MetabaseError({
        reason: "UnexpectedResponse",
        message: `Metabase at ${client.url} has no admin yet but published no setup token (GET /api/session/properties). Finish its setup in the browser, then set METABASE_ADMIN_EMAIL and METABASE_ADMIN_PASSWORD to that admin.`
      })
    }
    yield* client.setup(token)
    yield* client.setSetting("anon-tracking-enabled", false)
    yield* record({ action: "create", kind: "setup", name: settings.adminEmail, fields: [] })
  } else {
    yield* client.login
  }

  // The warehouse, registered once (matched by name).
  const w = settings.warehouse
  const details: Api.PostgresDetails = {
    host: w.host,
    port: w.port,
    dbname: w.dbname,
    user: w.user,
    password: Redacted.value(w.password),
    ssl: false
  }
  const database = (yield* client.databases).find((d) => d.name === settings.databaseName)
  let databaseId: number
  if (database === undefined) {
    databaseId = dryRun
      ? stand()
      : (yield* client.createDatabase({ name: settings.databaseName, engine: "postgres", details })).id
    yield* record({ action: "create", kind: "database", name: settings.databaseName, fields: [] })
  } else {
    databaseId = database.id
    // The password comes back masked: it is compared by nothing, and sent only with a change of the rest.
    const held = database.details ?? {}
    const changed = (["host", "port", "dbname", "user"] as const).filter((k) => String(held[k]) !== String(details[k]))
    if (changed.length > 0 && !dryRun) yield* client.updateDatabase(database.id, { details })
    yield* record({
      action: changed.length > 0 ? "update" : "unchanged",
      kind: "database",
      name: settings.databaseName,
      fields: changed.map((k) => `details.${k}`)
    })
  }

  // The collection (top level, matched by name).
  const collection = (yield* client.collections).find(
    (c) =>
      c.name === settings.collection &&
      typeof c.id === "number" &&
      c.archived !== true &&
      (c.location ?? "/") === "/" &&
      (c.personal_owner_id ?? null) === null
  )
  let collectionId: number
  if (collection === undefined) {
    collectionId = dryRun
      ? stand()
      : ((yield* client.createCollection({ name: settings.collection, description: COLLECTION_DESCRIPTION }))
          .id as number)
    yield* record({ action: "create", kind: "collection", name: settings.collection, fields: [] })
  } else {
    collectionId = collection.id as number
    const changed = (collection.description ?? "") !== COLLECTION_DESCRIPTION
    if (changed && !dryRun) yield* client.updateCollection(collectionId, { description: COLLECTION_DESCRIPTION })
    yield* record({
      action: changed ? "update" : "unchanged",
      kind: "collection",
      name: settings.collection,
      fields: changed ? ["description"] : []
    })
  }

  // What the collection holds that the sync made, by identity (the lowest id wins; other copies are archived).
  const items = collection === undefined ? [] : yield* client.collectionItems(collectionId)
  const managed = (model: string) => {
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
  const cards = managed("card")
  const boards = managed("dashboard")
  const target = { databaseId, collectionId }

  for (const dashboard of dashboards) {
    const cardIds = new Map<string, number>()
    for (const card of dashboard.cards) {
      const identity = cardIdentity(dashboard, card)
      const body = cardBody(dashboard, card, target)
      const id = cards.found.get(identity)
      if (id === undefined) {
        cardIds.set(card.slug, dryRun ? stand() : (yield* client.createCard(body)).id)
        yield* record({ action: "create", kind: "card", name: identity, fields: [] })
      } else {
        cardIds.set(card.slug, id)
        const fields = cardDifferences(body, yield* client.card(id))
        if (fields.length > 0 && !dryRun) yield* client.updateCard(id, pick(body, fields))
        yield* record({ action: fields.length > 0 ? "update" : "unchanged", kind: "card", name: identity, fields })
      }
    }

    const body = dashboardBody(dashboard, collectionId)
    const id = boards.found.get(dashboard.slug)
    if (id === undefined) {
      if (!dryRun) {
        const created = yield* client.createDashboard(body)
        yield* client.updateDashboard(created.id, { dashcards: dashcards(dashboard, cardIds, []) })
      }
      yield* record({ action: "create", kind: "dashboard", name: dashboard.slug, fields: [] })
    } else {
      const current = yield* client.dashboard(id)
      const wanted = dashcards(dashboard, cardIds, current.dashcards ?? [])
      const fields = dashboardDifferences(body, wanted, current)
      if (fields.length > 0 && !dryRun) {
        const { dashcards: _, ...rest } = pick({ ...body, dashcards: wanted }, fields)
        yield* client.updateDashboard(id, fields.includes("dashcards") ? { ...rest, dashcards: wanted } : rest)
      }
      yield* record({
        action: fields.length > 0 ? "update" : "unchanged",
        kind: "dashboard",
        name: dashboard.slug,
        fields
      })
    }
  }

  // Managed objects no spec names any more (or second copies): archived, dashboards first.
  const wantedBoards = new Set(dashboards.map((d) => d.slug))
  const wantedCards = new Set(dashboards.flatMap((d) => d.cards.map((c) => cardIdentity(d, c))))
  const stale = (group: typeof cards, wanted: ReadonlySet<string>) => [
    ...[...group.found].filter(([identity]) => !wanted.has(identity)).map(([identity, id]) => ({ identity, id })),
    ...group.extra
  ]
  for (const { identity, id } of stale(boards, wantedBoards)) {
    if (!dryRun) yield* client.updateDashboard(id, { archived: true })
    yield* record({ action: "archive", kind: "dashboard", name: identity, fields: [] })
  }
  for (const { identity, id } of stale(cards, wantedCards)) {
    if (!dryRun) yield* client.updateCard(id, { archived: true })
    yield* record({ action: "archive", kind: "card", name: identity, fields: [] })
  }
  return plan
})
