import * as Net from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { startContractServer } from "./ContractServer.ts"
import { ADMIN, cli } from "./Harness.ts"

const env = (url: string, password = ADMIN.password) => ({
  METABASE_URL: url,
  METABASE_ADMIN_EMAIL: ADMIN.email,
  METABASE_ADMIN_PASSWORD: password,
  METABASE_WAIT: "2 seconds",
  OLAP_DATABASE_URL: "postgres://metabase_reader:reader-pw@warehouse.internal:5433/brewlytics_olap",
  OLTP_DATABASE_URL: "postgres://app:app-pw@warehouse.internal:5433/brewlytics_oltp"
})

/** A loopback port nothing listens on. */
const freePort = Effect.callback<number>((resume) => {
  const server = Net.createServer()
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as Net.AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

describe("brewlytics dashboards sync (the CLI, in a child process)", () => {
  it.effect("syncs a fresh Metabase, then a second run changes nothing; --dry-run prints the plan", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer()
      const first = yield* cli([], env(mb.url))
      assert.strictEqual(first.code, 0, first.output)
      assert.match(first.output, /create\s+setup/)
      assert.match(first.output, /create\s+dashboard/)
      const warehouse = [...mb.state.databases.values()].find((d) => d.name === "Brewlytics warehouse")!
      assert.deepStrictEqual(warehouse.details, {
        host: "warehouse.internal",
        port: 5433,
        dbname: "brewlytics_olap",
        user: "metabase_reader",
        password: "reader-pw",
        ssl: false
      })
      assert.notInclude(first.output, ADMIN.password)
      assert.notInclude(first.output, "reader-pw")

      const writes = mb.writes().length
      const second = yield* cli([], env(mb.url))
      assert.strictEqual(second.code, 0, second.output)
      assert.match(second.output, /0 created, 0 updated, \d+ unchanged, 0 archived/)
      const dry = yield* cli(["--dry-run"], env(mb.url))
      assert.strictEqual(dry.code, 0, dry.output)
      assert.match(dry.output, /unchanged\s+card/)
      assert.match(dry.output, /Dry run: 0 to create, 0 to update, \d+ unchanged, 0 to archive\. Nothing was changed\./)
      assert.strictEqual(mb.writes().length, writes)
    }).pipe(Effect.scoped)
  )

  it.effect("wrong credentials: non-zero exit and a message that says which settings to fix", () =>
    Effect.gen(function* () {
      const mb = yield* startContractServer({ admin: ADMIN })
      const run = yield* cli([], env(mb.url, "not-the-password-9"))
      assert.notStrictEqual(run.code, 0)
      assert.match(run.output, /refused the login of admin@shop\.example \(401\)/)
      assert.match(run.output, /METABASE_ADMIN_PASSWORD/)
      assert.notInclude(run.output, "not-the-password-9")
      assert.deepStrictEqual(mb.writes(), [])
    }).pipe(Effect.scoped)
  )

  it.effect("an unreachable or still-starting Metabase: a progress line, then non-zero exit after METABASE_WAIT", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const down = yield* cli([], env(`http://127.0.0.1:${port}`))
      assert.notStrictEqual(down.code, 0)
      assert.match(down.output, /Waiting for Metabase at http:\/\/127\.0\.0\.1:\d+: no answer \(ECONNREFUSED\)/)
      assert.match(down.output, /was not ready within 2s/)
      assert.match(down.output, /set METABASE_URL/)

      const mb = yield* startContractServer()
      mb.health = "initializing"
      const starting = yield* cli([], env(mb.url))
      assert.notStrictEqual(starting.code, 0)
      assert.match(starting.output, /Waiting for Metabase at .*: initializing, 40%/)
      assert.deepStrictEqual(mb.writes(), [])

      const unset = yield* cli([], { ...env(mb.url), METABASE_ADMIN_PASSWORD: "" })
      assert.notStrictEqual(unset.code, 0)
      assert.match(unset.output, /METABASE_ADMIN_PASSWORD is not set/)
    }).pipe(Effect.scoped)
  )
})
