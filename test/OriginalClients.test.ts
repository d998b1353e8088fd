import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { drain } from "@brewlytics/pipeline/pipelines/RunCdcToStar.ts"
import { assert, layer } from "@effect/vitest"
import { Clock, Effect } from "effect"
import {
  generateFixtureCustomer,
  generateProduct,
  productBaseNames,
  productSizes,
  seeded
} from "../loadtest/lib/data.ts"
import { type Answer, iterationPlan, type Plan, type Request, setupPlan } from "../loadtest/lib/requests.ts"
import { live, postJson, send, TestApi } from "../packages/api/test/TestApi.ts"

/** Walks a plan against the API under test, as k6 would: one request after another. */
const walkApi = <A>(plan: Plan<A>) =>
  Effect.gen(function* () {
    let step = plan.next()
    while (!step.done) {
      const request: Request = step.value
      const res =
        request.method === "GET" ? yield* send(request.path) : yield* send(request.path, { body: request.body! })
      const answer: Answer = { status: res.status, id: typeof res.json?.id === "number" ? res.json.id : undefined }
      step = plan.next(answer)
    }
    return step.value
  })

/**
 * The original system's clients, unchanged, run after run on one database:
 * its k6 script (setup's loops until 10 new customers and 10 new products,
 * then iterations) and its pytest fixtures (a product named from the same 30,
 * a customer, an order, then the order's change-log entry and its fact row).
 * With names and e-mails refused on a repeat, the 30 product names run out
 * in the third run and setup never ends; `maxRequests` turns that into a
 * failure here.
 */
layer(TestApi(), live)("the original clients, run after run on one database", (it) => {
  for (const run of [1, 2, 3]) {
    it.effect(`k6 script, run ${run}: setup gets its 10 customers and 10 products, every order is placed`, () =>
      Effect.gen(function* () {
        const random = seeded(run)
        const pools = yield* walkApi(setupPlan(random, 10, 2_000))
        assert.strictEqual(pools.customerIds.length, 10)
        assert.strictEqual(pools.productIds.length, 10)
        assert.strictEqual(new Set(pools.productIds).size, 10)
        for (let i = 0; i < 40; i++) assert.isTrue(yield* walkApi(iterationPlan(random, pools)), `iteration ${i}`)
      })
    )
  }

  for (const run of [1, 2, 3]) {
    it.effect(
      `pytest fixtures, run ${run}: product, customer, order, its change-log entry and its fact_sales row`,
      () =>
        Effect.gen(function* () {
          const random = seeded(100 + run)
          // test_product: a random name from the same 30.
          const productPayload = generateProduct(random)
          assert.include(
            productSizes.flatMap((s) => productBaseNames.map((b) => `${s} ${b}`)),
            productPayload.name
          )
          const product = yield* postJson("/products/new", productPayload)
          assert.strictEqual(product.status, 200, `Product creation failed: ${product.text}`)
          // active_employee_id: the first active employee.
          const employees = yield* send("/employees/active")
          assert.strictEqual(employees.status, 200)
          const employeeId = employees.json[0].id
          // test_customer
          const customer = yield* postJson(
            "/customers/new",
            generateFixtureCustomer(random, yield* Clock.currentTimeMillis)
          )
          assert.strictEqual(customer.status, 200, `Customer creation failed: ${customer.text}`)
          // test_order
          const quantity = 1 + Math.floor(random() * 5)
          const order = yield* postJson("/orders/new", {
            customer_id: customer.json.id,
            employee_id: employeeId,
            items: [{ product_id: product.json.id, quantity }]
          })
          assert.strictEqual(order.status, 200, `Order creation failed: ${order.text}`)
          const orderId = order.json.order_id
          assert.isTrue(Number.isInteger(orderId) && orderId > 0, "Order ID should be a positive integer")

          // test_cdc_entry_exists
          const oltp = yield* OltpSql
          const cdc = yield* oltp`SELECT payload FROM cdc_orders WHERE payload->>'order_id' = ${String(orderId)}`
          assert.isAbove(cdc.length, 0, "CDC entry should exist for the created order")

          // test_olap_fact_sales_entry, once cdc_to_star has loaded the change.
          yield* drain()
          const olap = yield* OlapSql
          const rows = yield* olap<{ quantity: number }>`
          SELECT fs.quantity
          FROM fact_sales fs
          JOIN dim_customer dc ON fs.customer_dim_id = dc.id
          JOIN dim_product dp ON fs.product_dim_id = dp.id
          WHERE dc.customer_id = ${customer.json.id} AND dp.product_id = ${product.json.id}
          ORDER BY fs.id DESC LIMIT 1`
          assert.strictEqual(rows.length, 1, "fact_sales entry not found for the created order")
          assert.strictEqual(Number(rows[0]!.quantity), quantity, "Quantity in fact_sales does not match")
        })
    )
  }
})
