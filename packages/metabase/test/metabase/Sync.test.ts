import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { dashboards as allDashboards } from "../../src/dashboards/All.ts"
import { identityOf } from "../../src/metabase/Desired.ts"
import { FILTERS } from "../../src/Query.ts"
import { type CardSpec, dashboard } from "../../src/Spec.ts"
import { startContractServer } from "./ContractServer.ts"
import { ADMIN, categoryCard, revenueCard, runSync, salesDashboard, staffCard } from "./Harness.ts"

const managed = (description: string | null) => identityOf(description)

/** The sales dashboard with other cards (its filters derived from them again). */
const salesWith = (cards: ReadonlyArray<CardSpec>, title = salesDashboard.title) =>
  dashboard({ slug: salesDashboard.slug, title, description: salesDashboard.description, cards })

describe("dashboards sync against the Metabase contract", () => {
  it.effect("a fresh Metabase: setup with tracking off, the warehouse, a collection, cards and a wired dashboard", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      const { plan } = yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })

      assert.deepStrictEqual(
        plan.map((e) => `${e.action} ${e.kind}`),
        [
          "create setup",
          "create database",
          "create collection",
          "create card",
          "create card",
          "create card",
          "create dashboard"
        ]
      )
      const { users, settings, databases, collections, cards, dashboards, dashcards } = mb.state
      assert.deepStrictEqual(
        users.map((u) => u.email),
        [ADMIN.email]
      )
      assert.strictEqual(settings.get("anon-tracking-enabled"), false)
      assert.strictEqual(settings.get("site-name"), "Brewlytics")

      const warehouse = [...databases.values()].find((d) => d.name === "Brewlytics warehouse")!
      assert.strictEqual(warehouse.engine, "postgres")
      assert.deepStrictEqual(warehouse.details, {
        host: "localhost",
        port: 55432,
        dbname: "brewlytics_olap",
        user: "postgres",
        password: "pg-secret",
        ssl: false
      })
      const collection = [...collections.values()].find((c) => c.name === "Brewlytics")!
      assert.strictEqual(collection.location, "/")

      const byIdentity = new Map([...cards.values()].map((c) => [managed(c.description), c]))
      const revenue = byIdentity.get("sales/revenue_by_day")!
      assert.strictEqual(revenue.collection_id, collection.id)
      assert.strictEqual(revenue.display, "line")
      const query = revenue.dataset_query as {
        type: string
        database: number
        native: { query: string; "template-tags": Record<string, { type: string; name: string }> }
      }
      assert.strictEqual(query.type, "native")
      assert.strictEqual(query.database, warehouse.id)
      assert.match(query.native.query, /\[\[AND s\.date_id >= \{\{from\}\}\]\]/)
      assert.deepStrictEqual(Object.keys(query.native["template-tags"]).sort(), ["from", "to"])
      assert.strictEqual(query.native["template-tags"].from!.type, "date")
      assert.deepStrictEqual(revenue.visualization_settings["graph.dimensions"], ["day"])
      assert.deepStrictEqual(revenue.visualization_settings["graph.metrics"], ["revenue"])
      const staff = byIdentity.get("sales/orders_by_employee")!
      const staffTags = (staff.dataset_query as { native: { "template-tags": Record<string, { type: string }> } })
        .native["template-tags"]
      assert.strictEqual(staffTags.employee_id!.type, "number")

      const [board] = [...dashboards.values()]
      assert.strictEqual(board!.name, "Sales")
      assert.strictEqual(managed(board!.description), "sales")
      assert.deepStrictEqual(
        board!.parameters.map((p) => [p.id, p.type]),
        [
          ["from", "date/single"],
          ["to", "date/single"],
          ["category", "string/="],
          ["employee_id", "number/="]
        ]
      )
      const placed = [...dashcards.values()].filter((d) => d.dashboard_id === board!.id)
      assert.strictEqual(placed.length, 3)
      const revenuePlaced = placed.find((d) => d.card_id === revenue.id)!
      assert.deepStrictEqual(
        [revenuePlaced.row, revenuePlaced.col, revenuePlaced.size_x, revenuePlaced.size_y],
        [0, 0, 12, 6]
      )
      assert.deepStrictEqual(revenuePlaced.parameter_mappings, [
        { parameter_id: "from", card_id: revenue.id, target: ["variable", ["template-tag", "from"]] },
        { parameter_id: "to", card_id: revenue.id, target: ["variable", ["template-tag", "to"]] }
      ])
      // Every filter a card uses reaches it from the dashboard.
      for (const d of placed) {
        const tags = Object.keys(
          (cards.get(d.card_id!)!.dataset_query as { native: { "template-tags": object } }).native["template-tags"]
        )
        assert.deepStrictEqual(
          d.parameter_mappings.map((m) => m.parameter_id),
          tags
        )
      }
    }).pipe(Effect.scoped)
  )

  it.effect("a dry run on a fresh Metabase plans every object and sets nothing up", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      const { plan } = yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: true })
      assert.isTrue(plan.every((e) => e.action === "create"))
      assert.deepStrictEqual(
        plan.map((e) => e.kind),
        ["setup", "database", "collection", "card", "card", "card", "dashboard"]
      )
      assert.deepStrictEqual(mb.writes(), [])
      assert.strictEqual(mb.state.users.length, 0)
    }).pipe(Effect.scoped)
  )

  it.effect("a second run writes nothing and creates no duplicates; a dry run writes nothing either", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
      const writes = mb.writes().length
      const counts = () => [
        mb.state.cards.size,
        mb.state.dashboards.size,
        mb.state.dashcards.size,
        mb.state.databases.size
      ]
      const before = counts()

      const seen = mb.requests.length
      const again = yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
      assert.strictEqual(mb.writes().length, writes, "the second run sent POST/PUT requests")
      // Everything the second run sent besides reads: its login.
      assert.deepStrictEqual(
        mb.requests
          .slice(seen)
          .filter((r) => r.method !== "GET")
          .map((r) => `${r.method} ${r.path}`),
        ["POST /api/session"]
      )
      assert.deepStrictEqual(counts(), before)
      assert.isTrue(
        again.plan.every((e) => e.action === "unchanged"),
        again.lines.join("\n")
      )
      assert.strictEqual(again.plan.length, 1 + 1 + 3 + 1)

      const changed = salesWith([{ ...revenueCard, title: "Daily revenue" }, categoryCard])
      const dry = yield* runSync(mb.url, { dashboards: [changed], dryRun: true })
      assert.strictEqual(mb.writes().length, writes, "the dry run sent POST/PUT requests")
      assert.deepStrictEqual(
        dry.plan
          .filter((e) => e.action !== "unchanged")
          .map((e) => `${e.action} ${e.kind} ${e.name} ${e.fields.join(",")}`),
        [
          "update card sales/revenue_by_day name",
          "update dashboard sales parameters,dashcards",
          "archive card sales/orders_by_employee "
        ]
      )
    }).pipe(Effect.scoped)
  )

  it.effect("a changed spec updates in place: same card, dashboard and dashcard ids, only what differs sent", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
      const ids = () => ({
        cards: [...mb.state.cards.keys()].sort(),
        dashboards: [...mb.state.dashboards.keys()].sort(),
        dashcards: [...mb.state.dashcards.keys()].sort()
      })
      const before = ids()
      const writes = mb.writes().length

      const moved = { ...revenueCard, title: "Daily revenue", layout: { ...revenueCard.layout, sizeY: 8 } }
      const changed = salesWith([moved, categoryCard, staffCard], "Sales today")
      const { plan } = yield* runSync(mb.url, { dashboards: [changed], dryRun: false })

      assert.deepStrictEqual(ids(), before)
      assert.deepStrictEqual(
        plan.filter((e) => e.action === "update").map((e) => `${e.kind} ${e.name} ${e.fields.join(",")}`),
        ["card sales/revenue_by_day name", "dashboard sales name,dashcards"]
      )
      // One PUT for the card, one for the dashboard.
      assert.deepStrictEqual(
        mb
          .writes()
          .slice(writes)
          .map((w) => `${w.method} ${w.path.replace(/\d+/, ":id")}`),
        ["PUT /api/card/:id", "PUT /api/dashboard/:id"]
      )
      const revenue = [...mb.state.cards.values()].find((c) => managed(c.description) === "sales/revenue_by_day")!
      assert.strictEqual(revenue.name, "Daily revenue")
      const placed = [...mb.state.dashcards.values()].find((d) => d.card_id === revenue.id)!
      assert.strictEqual(placed.size_y, 8)
      assert.strictEqual([...mb.state.dashboards.values()][0]!.name, "Sales today")

      // And that state is stable again.
      const settled = mb.writes().length
      yield* runSync(mb.url, { dashboards: [changed], dryRun: false })
      assert.strictEqual(mb.writes().length, settled)
    }).pipe(Effect.scoped)
  )

  it.effect(
    "a card taken out of the spec leaves the dashboard and is archived; the filter it alone used goes too",
    () =>
      Effect.gen(function* () {
        const mb = yield* startContractServer()
        yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
        const staff = [...mb.state.cards.values()].find((c) => managed(c.description) === "sales/orders_by_employee")!

        const smaller = salesWith([revenueCard, categoryCard])
        const { plan } = yield* runSync(mb.url, { dashboards: [smaller], dryRun: false })

        assert.isTrue(plan.some((e) => e.action === "archive" && e.name === "sales/orders_by_employee"))
        assert.isTrue(mb.state.cards.get(staff.id)!.archived)
        const board = [...mb.state.dashboards.values()][0]!
        const placed = [...mb.state.dashcards.values()].filter((d) => d.dashboard_id === board.id)
        assert.strictEqual(placed.length, 2)
        assert.isFalse(placed.some((d) => d.card_id === staff.id))
        assert.deepStrictEqual(
          board.parameters.map((p) => p.id),
          ["from", "to", "category"]
        )

        // Put back: a new card is made (the archived one stays in the trash), and nothing is duplicated.
        const writes = mb.writes().length
        yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
        assert.isAbove(mb.writes().length, writes)
        const live = [...mb.state.cards.values()].filter((c) => !c.archived)
        assert.strictEqual(live.length, 3)
        assert.strictEqual(new Set(live.map((c) => managed(c.description))).size, 3)
      }).pipe(Effect.scoped)
  )

  it.effect(
    "objects in the collection without the marker are left alone; a second copy of a managed card is archived",
    () =>
      Effect.gen(function* () {
        const mb = yield* startContractServer()
        yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
        const revenue = [...mb.state.cards.values()].find((c) => managed(c.description) === "sales/revenue_by_day")!
        const collectionId = revenue.collection_id!
        // Someone adds a question of their own, and duplicates a managed one (its description, marker included).
        const session = yield* Effect.promise(() =>
          fetch(`${mb.url}/api/session`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ username: ADMIN.email, password: ADMIN.password })
          }).then((r) => r.json() as Promise<{ id: string }>)
        )
        const post = (body: object) =>
          Effect.promise(() =>
            fetch(`${mb.url}/api/card`, {
              method: "POST",
              headers: { "content-type": "application/json", "x-metabase-session": session.id },
              body: JSON.stringify(body)
            }).then((r) => r.json() as Promise<{ id: number }>)
          )
        const mine = yield* post({
          name: "My own question",
          display: "table",
          collection_id: collectionId,
          dataset_query: { type: "native", database: revenue.dataset_query.database, native: { query: "SELECT 1" } },
          visualization_settings: {}
        })
        const copy = yield* post({
          name: revenue.name,
          description: revenue.description,
          display: revenue.display,
          collection_id: collectionId,
          dataset_query: revenue.dataset_query,
          visualization_settings: revenue.visualization_settings
        })

        const { plan } = yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
        assert.isFalse(mb.state.cards.get(mine.id)!.archived)
        assert.isTrue(mb.state.cards.get(copy.id)!.archived)
        assert.isFalse(mb.state.cards.get(revenue.id)!.archived)
        assert.deepStrictEqual(
          plan.filter((e) => e.action !== "unchanged").map((e) => `${e.action} ${e.kind} ${e.name}`),
          ["archive card sales/revenue_by_day"]
        )
      }).pipe(Effect.scoped)
  )

  it.effect("wrong credentials: a WrongCredentials error that names the settings and not the password", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: { email: ADMIN.email, password: "another-secret-7" } })
      const error = yield* Effect.flip(runSync(mb.url, { dashboards: [salesDashboard], dryRun: false }))
      assert.strictEqual(error._tag, "MetabaseError")
      assert.strictEqual(error.reason._tag, "WrongCredentials")
      assert.match(error.message, /METABASE_ADMIN_PASSWORD/)
      assert.notInclude(error.message, ADMIN.password)
      assert.deepStrictEqual(mb.writes(), [])
    }).pipe(Effect.scoped)
  )

  it.effect("a refused request is an UnexpectedResponse naming the request and its status, without passwords", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: ADMIN })
      const error = yield* Effect.flip(
        runSync(
          mb.url,
          { dashboards: [salesDashboard], dryRun: false },
          {
            warehouse: {
              host: "localhost",
              port: 0,
              dbname: "brewlytics_olap",
              user: "postgres",
              password: Redacted.make("pg-secret")
            }
          }
        )
      )
      assert.strictEqual(error.reason._tag, "UnexpectedResponse")
      assert.match(error.message, /POST \/api\/database with 400: .*couldn't connect/)
      assert.match(error.message, /v0\.56/)
      assert.notInclude(error.message, "pg-secret")
      assert.notInclude(error.message, ADMIN.password)
    }).pipe(Effect.scoped)
  )

  it.effect("a server that is already set up is logged in to, not set up again", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: ADMIN })
      const { plan } = yield* runSync(mb.url, { dashboards: [salesDashboard], dryRun: false })
      assert.isFalse(plan.some((e) => e.kind === "setup"))
      assert.strictEqual(mb.state.users.length, 1)
      assert.isFalse(mb.requests.some((r) => r.path === "/api/setup"))
    }).pipe(Effect.scoped)
  )

  it.effect("every dashboard spec of the project syncs, and a second run changes nothing", () =>
    Effect.gen(function* () {
      const specs = allDashboards
      assert.isAbove(specs.length, 0)
      const mb = yield* startContractServer()
      const first = yield* runSync(mb.url, { dashboards: specs, dryRun: false })
      const cardCount = specs.reduce((n, d) => n + d.cards.length, 0)
      assert.strictEqual(first.plan.filter((e) => e.kind === "card" && e.action === "create").length, cardCount)
      assert.strictEqual(mb.state.dashboards.size, specs.length)
      assert.strictEqual(mb.state.dashcards.size, cardCount)
      for (const card of mb.state.cards.values()) {
        const q = card.dataset_query as { native: { query: string; "template-tags": Record<string, unknown> } }
        const used = [...q.native.query.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]!)
        assert.deepStrictEqual(Object.keys(q.native["template-tags"]).sort(), [...new Set(used)].sort(), card.name)
        for (const name of used) assert.property(FILTERS, name)
      }
      const writes = mb.writes().length
      const second = yield* runSync(mb.url, { dashboards: specs, dryRun: false })
      assert.strictEqual(mb.writes().length, writes)
      assert.isTrue(second.plan.every((e) => e.action === "unchanged"))
    }).pipe(Effect.scoped)
  )
})
