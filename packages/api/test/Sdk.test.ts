import { execFile } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { promisify } from "node:util"
import { repoRoot } from "@brewlytics/db/Settings.ts"
import { CustomerId, OrderId, ProductId } from "@brewlytics/domain/Ids.ts"
import { make } from "@brewlytics/sdk/Client.ts"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"
import { baseUrl, live, TestApi, tableCounts } from "./TestApi.ts"

const run = promisify(execFile)
const bin = (name: string) => Path.join(repoRoot, "node_modules", ".bin", name)

/** A separate app, in its own folder, that only sees the built SDK and `effect`. */
const CONSUMER = `import { Errors, Ids, make } from "@brewlytics/sdk"
import { Effect } from "effect"
import { FetchHttpClient } from "effect/http"

const program = Effect.gen(function* () {
  const client = yield* make({ baseUrl: process.argv[2]! })
  const employees = yield* client.employees.active()
  const order = yield* client.orders.create({
    payload: { customer_id: Ids.CustomerId.make(1), items: [{ product_id: Ids.ProductId.make(1), quantity: 2 }] },
    headers: {}
  })
  const missing = yield* client.customers.get({ params: { id: Ids.CustomerId.make(987654) } }).pipe(Effect.flip)
  const notFound: boolean = missing instanceof Errors.NotFound
  console.log(JSON.stringify({ employees: employees.length, order: order.order_id, items: order.items.length, notFound }))
}).pipe(Effect.provide(FetchHttpClient.layer))

Effect.runPromise(program)
`

const linkInto = (dir: string, name: string) => {
  const target = Path.join(dir, "node_modules", name)
  Fs.mkdirSync(Path.dirname(target), { recursive: true })
  Fs.symlinkSync(Fs.realpathSync(Path.join(repoRoot, "node_modules", name)), target)
}

layer(TestApi(), live)("the typed SDK", (it) => {
  it.effect("drives the API: typed calls, typed errors", () =>
    Effect.gen(function* () {
      const client = yield* make({ baseUrl: yield* baseUrl })
      const customer = yield* client.customers.create({ payload: { name: "Sam Till", email: "sam@example.com" } })
      const signedUpAgain = yield* client.customers.create({ payload: { name: "Sam Again", email: "SAM@example.com" } })
      assert.strictEqual(signedUpAgain.id, customer.id)
      assert.strictEqual(signedUpAgain.name, "Sam Till")
      const order = yield* client.orders.create({
        payload: { customer_id: CustomerId.make(customer.id), items: [{ product_id: ProductId.make(3), quantity: 3 }] },
        headers: { "idempotency-key": "sdk-1" }
      })
      assert.strictEqual(order.items[0]!.quantity, 3)
      assert.strictEqual(order.total, order.items[0]!.unit_price * 3)
      const before = yield* tableCounts
      const again = yield* client.orders.create({
        payload: { customer_id: CustomerId.make(customer.id), items: [{ product_id: ProductId.make(3), quantity: 3 }] },
        headers: { "idempotency-key": "sdk-1" }
      })
      assert.strictEqual(again.order_id, order.order_id)
      assert.deepStrictEqual(yield* tableCounts, before)
      const cancelled = yield* client.orders.cancel({ params: { id: order.order_id } })
      assert.strictEqual(cancelled.status, "cancelled")
      const gone = yield* client.orders.get({ params: { id: OrderId.make(999_999) } }).pipe(Effect.flip)
      assert.strictEqual(gone._tag, "NotFound")
      const unknown = yield* client.orders
        .create({
          payload: {
            customer_id: CustomerId.make(customer.id),
            items: [{ product_id: ProductId.make(424_242), quantity: 1 }]
          },
          headers: {}
        })
        .pipe(Effect.flip)
      assert.strictEqual(unknown._tag, "Unprocessable")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.effect(
    "builds to JS + .d.ts, and a separate project compiles and runs against the build",
    () =>
      Effect.gen(function* () {
        const url = yield* baseUrl
        const output = yield* Effect.promise(async () => {
          await run("npm", ["run", "build", "-w", "@brewlytics/sdk"], { cwd: repoRoot })
          const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-sdk-consumer-"))
          try {
            Fs.writeFileSync(Path.join(dir, "package.json"), JSON.stringify({ name: "till-app", type: "module" }))
            Fs.writeFileSync(
              Path.join(dir, "tsconfig.json"),
              JSON.stringify({
                compilerOptions: {
                  target: "ES2023",
                  module: "NodeNext",
                  moduleResolution: "NodeNext",
                  strict: true,
                  types: ["node"],
                  outDir: "out",
                  skipLibCheck: false
                },
                include: ["main.ts"]
              })
            )
            Fs.writeFileSync(Path.join(dir, "main.ts"), CONSUMER)
            Fs.mkdirSync(Path.join(dir, "node_modules", "@brewlytics"), { recursive: true })
            Fs.symlinkSync(Path.join(repoRoot, "packages", "sdk"), Path.join(dir, "node_modules", "@brewlytics", "sdk"))
            linkInto(dir, "effect")
            linkInto(dir, "@types/node")
            linkInto(dir, "undici-types")
            await run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: dir })
            const { stdout } = await run(bin("node"), ["out/main.js", url], { cwd: dir })
            return stdout
          } finally {
            Fs.rmSync(dir, { recursive: true, force: true })
          }
        })
        const result = JSON.parse(output.trim())
        assert.strictEqual(result.employees, 6)
        assert.isNumber(result.order)
        assert.strictEqual(result.items, 1)
        assert.strictEqual(result.notFound, true)
      }),
    120_000
  )
})
