/**
 * The contract server keeps the rules of Metabase the sync relies on; if it did
 * not, the sync's tests against it would prove nothing. Raw HTTP, as any client.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { type ContractServer, startContractServer } from "./ContractServer.ts"
import { ADMIN } from "./Harness.ts"

const request = (mb: ContractServer, method: string, path: string, body?: unknown, session?: string) =>
  Effect.promise(() =>
    fetch(`${mb.url}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        ...(session === undefined ? {} : { "x-metabase-session": session })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    }).then(async (r) => {
      const text = await r.text()
      let json: unknown = text
      try {
        json = JSON.parse(text)
      } catch {}
      return { status: r.status, body: json as Record<string, unknown> }
    })
  )

const login = (mb: ContractServer) =>
  request(mb, "POST", "/api/session", { username: ADMIN.email, password: ADMIN.password }).pipe(
    Effect.map((r) => r.body.id as string)
  )

/** A database and a collection to put cards in. */
const fixture = (mb: ContractServer, session: string) =>
  Effect.gen(function* () {
    const db = yield* request(
      mb,
      "POST",
      "/api/database",
      { name: "w", engine: "postgres", details: { host: "h", port: 5432, dbname: "d", user: "u", password: "p" } },
      session
    )
    const coll = yield* request(mb, "POST", "/api/collection", { name: "c" }, session)
    const card = (name: string) =>
      request(
        mb,
        "POST",
        "/api/card",
        {
          name,
          display: "table",
          collection_id: coll.body.id,
          dataset_query: { type: "native", database: db.body.id, native: { query: "SELECT 1" } },
          visualization_settings: {}
        },
        session
      ).pipe(Effect.map((r) => r.body.id as number))
    return { databaseId: db.body.id as number, collectionId: coll.body.id as number, card }
  })

describe("the Metabase contract server", () => {
  it.effect("first-run setup: the token from the public properties, once; a second setup is refused", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      const props = yield* request(mb, "GET", "/api/session/properties")
      assert.strictEqual(props.body["has-user-setup"], false)
      const token = props.body["setup-token"] as string

      const wrongToken = yield* request(mb, "POST", "/api/setup", {
        token: "nope",
        user: { email: ADMIN.email, password: ADMIN.password },
        prefs: { site_name: "x" }
      })
      assert.strictEqual(wrongToken.status, 400)
      const weak = yield* request(mb, "POST", "/api/setup", {
        token,
        user: { email: ADMIN.email, password: "short" },
        prefs: { site_name: "x" }
      })
      assert.strictEqual(weak.status, 400)
      const noSite = yield* request(mb, "POST", "/api/setup", {
        token,
        user: { email: ADMIN.email, password: ADMIN.password },
        prefs: {}
      })
      assert.strictEqual(noSite.status, 400)

      const ok = yield* request(mb, "POST", "/api/setup", {
        token,
        user: { email: ADMIN.email, password: ADMIN.password },
        prefs: { site_name: "x" }
      })
      assert.strictEqual(ok.status, 200)
      assert.isString(ok.body.id)
      const again = yield* request(mb, "POST", "/api/setup", {
        token,
        user: { email: "second@shop.example", password: ADMIN.password },
        prefs: { site_name: "x" }
      })
      assert.strictEqual(again.status, 403)
      assert.strictEqual((yield* request(mb, "GET", "/api/session/properties")).body["has-user-setup"], true)
    }).pipe(Effect.scoped)
  )

  it.effect("401 without a session or with a wrong password; 503 while starting", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: ADMIN })
      for (const path of ["/api/database", "/api/collection", "/api/card/1", "/api/dashboard/1"]) {
        assert.strictEqual((yield* request(mb, "GET", path)).status, 401, path)
        assert.strictEqual((yield* request(mb, "GET", path, undefined, "not-a-session")).status, 401, path)
      }
      assert.strictEqual(
        (yield* request(mb, "POST", "/api/session", { username: ADMIN.email, password: "wrong-1" })).status,
        401
      )
      assert.strictEqual((yield* request(mb, "POST", "/api/session", { username: ADMIN.email })).status, 400)
      mb.health = "initializing"
      const health = yield* request(mb, "GET", "/api/health")
      assert.strictEqual(health.status, 503)
      assert.strictEqual(health.body.status, "initializing")
      assert.strictEqual((yield* request(mb, "GET", "/api/session/properties")).status, 503)
    }).pipe(Effect.scoped)
  )

  it.effect("400 for a missing required field or a malformed shape, as the endpoint schemas say", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: ADMIN })
      const session = yield* login(mb)
      const { databaseId, collectionId } = yield* fixture(mb, session)
      const card = {
        name: "q",
        display: "table",
        collection_id: collectionId,
        dataset_query: { type: "native", database: databaseId, native: { query: "SELECT {{x}}" } },
        visualization_settings: {}
      }
      const without = (key: string) => Object.fromEntries(Object.entries(card).filter(([k]) => k !== key))
      for (const key of ["name", "display", "dataset_query", "visualization_settings"]) {
        const r = yield* request(mb, "POST", "/api/card", without(key), session)
        assert.strictEqual(r.status, 400, key)
        assert.property(r.body.errors, key)
      }
      assert.strictEqual((yield* request(mb, "POST", "/api/card", { ...card, description: "" }, session)).status, 400)
      const badTag = {
        ...card,
        dataset_query: {
          ...card.dataset_query,
          native: { query: "SELECT {{x}}", "template-tags": { x: { name: "y", "display-name": "X", type: "text" } } }
        }
      }
      assert.strictEqual((yield* request(mb, "POST", "/api/card", badTag, session)).status, 400)
      assert.strictEqual(
        (yield* request(mb, "POST", "/api/collection", { name: "c2", color: "#509EE3" }, session)).status,
        400,
        "POST /api/collection is a closed map"
      )
      assert.strictEqual((yield* request(mb, "POST", "/api/dashboard", { description: "d" }, session)).status, 400)
      assert.strictEqual(
        (yield* request(mb, "POST", "/api/dashboard", { name: "d", parameters: [{ id: "p" }] }, session)).status,
        400,
        "a parameter needs a type"
      )
      assert.strictEqual(
        (yield* request(mb, "POST", "/api/database", { name: "x", engine: "nope", details: {} }, session)).status,
        400
      )
    }).pipe(Effect.scoped)
  )

  it.effect(
    "PUT /api/dashboard/:id with dashcards replaces them: negative ids are created, kept ids updated, the rest removed",
    () =>
      Effect.gen(function* () {
        const mb = yield* startContractServer({ admin: ADMIN })
        const session = yield* login(mb)
        const { collectionId, card } = yield* fixture(mb, session)
        const [a, b, c] = [yield* card("a"), yield* card("b"), yield* card("c")]
        const dash = yield* request(mb, "POST", "/api/dashboard", { name: "d", collection_id: collectionId }, session)
        const id = dash.body.id as number
        const place = (dcId: number, cardId: number, row: number) => ({
          id: dcId,
          card_id: cardId,
          row,
          col: 0,
          size_x: 4,
          size_y: 4,
          parameter_mappings: []
        })
        const first = yield* request(
          mb,
          "PUT",
          `/api/dashboard/${id}`,
          { dashcards: [place(-1, a, 0), place(-2, b, 4)] },
          session
        )
        assert.strictEqual(first.status, 200)
        const placed = first.body.dashcards as unknown as ReadonlyArray<{ id: number; card_id: number; row: number }>
        assert.deepStrictEqual(
          placed.map((d) => d.card_id),
          [a, b]
        )
        assert.isTrue(placed.every((d) => d.id > 0))
        const keptId = placed.find((d) => d.card_id === b)!.id

        const second = yield* request(
          mb,
          "PUT",
          `/api/dashboard/${id}`,
          { dashcards: [place(keptId, b, 8), place(-1, c, 0)] },
          session
        )
        const now = second.body.dashcards as unknown as ReadonlyArray<{ id: number; card_id: number; row: number }>
        assert.deepStrictEqual(
          now.map((d) => [d.card_id, d.row]).sort(),
          [
            [b, 8],
            [c, 0]
          ].sort()
        )
        assert.strictEqual(now.find((d) => d.card_id === b)!.id, keptId)

        const dup = yield* request(
          mb,
          "PUT",
          `/api/dashboard/${id}`,
          { dashcards: [place(-1, a, 0), place(-1, b, 0)] },
          session
        )
        assert.strictEqual(dup.status, 400, "dashcard ids must be unique")
        const badSize = yield* request(
          mb,
          "PUT",
          `/api/dashboard/${id}`,
          { dashcards: [{ ...place(-1, a, 0), size_x: 0 }] },
          session
        )
        assert.strictEqual(badSize.status, 400)
        yield* request(mb, "PUT", `/api/card/${a}`, { archived: true }, session)
        const archived = yield* request(mb, "PUT", `/api/dashboard/${id}`, { dashcards: [place(-1, a, 0)] }, session)
        assert.strictEqual(archived.status, 404, "an archived card cannot be placed")
        // Updates without `dashcards` leave them as they are.
        yield* request(mb, "PUT", `/api/dashboard/${id}`, { name: "renamed" }, session)
        const after = yield* request(mb, "GET", `/api/dashboard/${id}`, undefined, session)
        assert.strictEqual(after.body.name, "renamed")
        assert.strictEqual((after.body.dashcards as unknown as ReadonlyArray<unknown>).length, 2)
      }).pipe(Effect.scoped)
  )
})
