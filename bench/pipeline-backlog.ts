/**
 * Pipeline backlog benchmark: `--events` change events (default 1,000,000:
 * about 330,000 orders, each an order, an item and a payment) wait in OLTP;
 * the CDC pipeline loads them all into the star schema as the runner does:
 * `cdc_to_star` run after run (one bounded batch each, recorded in
 * pipeline_runs, the next batch read ahead while one loads) until it has
 * caught up. The same run times the set-based ceiling: the same change rows
 * copied across and moved into the same tables by plain SQL inside
 * PostgreSQL (`INSERT … SELECT`), and the pipeline again with enforced
 * foreign keys on the fact tables. A throwaway embedded PostgreSQL serves
 * both databases (the default setup: one server, xids shared).
 *
 *   npm run bench:pipeline-backlog -- --events 200000
 *
 * Goals: ≥ 27,000 events/s (100× the original's 272 events/s) and
 * pipeline ÷ ceiling ≥ 0.5.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { DatabaseUrls, OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { serverUrl } from "@brewlytics/db/EmbeddedPostgres.ts"
import { migrate } from "@brewlytics/db/Migrator.ts"
import { seed } from "@brewlytics/db/Seeds.ts"
import { int8Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import { embeddedSettings, freePort } from "@brewlytics/db/testing/TestServer.ts"
import { DEFAULT_LIMIT } from "@brewlytics/pipeline/cdc/Cdc.ts"
import { reconcile } from "@brewlytics/pipeline/Reconcile.ts"
import { Runner, RunnerCore } from "@brewlytics/pipeline/Runner.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { PgClient } from "@effect/sql-pg"
import { Clock, Console, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import * as Reactivity from "effect/reactivity/Reactivity"

const ORIGINAL_EVENTS_PER_SECOND = 272
const ORDERS_PER_CHUNK = 25_000
const COPY_CHUNK = 100_000

const server = Layer.unwrap(
  Effect.gen(function* () {
    const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-bench-"))
    Fs.chmodSync(dir, 0o755)
    yield* Effect.addFinalizer(() => Effect.sync(() => Fs.rmSync(dir, { recursive: true, force: true })))
    const port = yield* Effect.promise(() => freePort())
    return OltpSql.layer.pipe(Layer.provideMerge(DatabaseUrls.layer), Layer.provideMerge(embeddedSettings(dir, port)))
  })
)

const now = Clock.currentTimeMillis
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

/** A fresh, migrated warehouse database on the bench server, with its own pool. */
const freshWarehouse = (name: string) =>
  Effect.gen(function* () {
    const urls = yield* DatabaseUrls
    const info = Option.getOrThrow(urls.embedded)
    const admin = yield* PgClient.make({ url: serverUrl(info, "postgres"), maxConnections: 1 })
    yield* admin`CREATE DATABASE ${admin(name)}`
    const sql = yield* PgClient.make({
      url: serverUrl(info, name),
      maxConnections: 4,
      startupParameters: { statement_timeout: "0", timezone: "UTC" }
    })
    yield* migrate(sql, "olap")
    return sql
  }).pipe(Effect.provide(Reactivity.layer))

/** The backlog: the seed's master data, then orders of one item and one payment, in chunks. */
const generate = (events: number) =>
  Effect.gen(function* () {
    const sql = yield* OltpSql
    yield* seed
    const [base] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log`
    const orders = Math.ceil((events - base!.n) / 3)
    for (let done = 0; done < orders; ) {
      const n = Math.min(ORDERS_PER_CHUNK, orders - done)
      yield* sql.withTransaction(
        Effect.gen(function* () {
          const ids = yield* sql<{ id: bigint }>`
            INSERT INTO orders (customer_id, employee_id, order_time)
            SELECT c.ids[1 + g % array_length(c.ids, 1)], e.ids[1 + g % array_length(e.ids, 1)],
                   timestamptz '2026-11-24 20:00Z' - make_interval(secs => (${done} + g) * 15)
            FROM generate_series(1, ${n}) AS g,
                 (SELECT array_agg(id) AS ids FROM customers) c,
                 (SELECT array_agg(id) AS ids FROM employees WHERE active) e
            RETURNING id`
          const orderIds = ids.map((r) => r.id)
          yield* sql`
            INSERT INTO order_items (order_id, product_id, quantity, unit_price)
            SELECT o.id, p.id, 1 + o.id % 3, p.price
            FROM unnest(${int8Array(orderIds)}::int8[]) AS o(id)
            JOIN (SELECT id, price, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS n
                  FROM products WHERE active) p ON p.k = o.id % p.n`
          yield* sql`
            INSERT INTO payments (order_id, method, amount, paid_at)
            SELECT i.order_id, (ARRAY['cash', 'card', 'mobile'])[1 + i.order_id % 3], i.quantity * i.unit_price, o.order_time
            FROM order_items i JOIN orders o ON o.id = i.order_id WHERE i.order_id = ANY(${int8Array(orderIds)}::int8[])`
        })
      )
      done += n
      yield* Console.log(`  generated ${fmt(done)} / ${fmt(orders)} orders`)
    }
    const [total] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM change_log`
    return total!.n
  })

/**
 * The pipeline itself, as the runner runs it through a backlog: `cdc_to_star`
 * again at once while it reports more, each run one batch. Step times are
 * summed from the recorded runs (the read-ahead of the next batch runs in the
 * background, beside the load, and is not a step's time).
 */
const pipeline = (label: string, olap: PgClient.PgClient) =>
  Effect.gen(function* () {
    const runner = yield* Runner
    const t0 = yield* now
    let events = 0
    let runs = 0
    const busy = new Map<string, number>()
    while (true) {
      const { run, more } = yield* runner.run("cdc_to_star", { trigger: "manual" })
      if (run.status !== "succeeded") {
        return yield* Effect.die(new Error(`${label}: run ${run.runId} failed: ${run.error}; the figures are void`))
      }
      runs++
      events += run.rowsRead
      for (const step of run.steps) busy.set(step.step, (busy.get(step.step) ?? 0) + step.millis)
      const seconds = ((yield* now) - t0) / 1000
      yield* Console.log(`  ${label}: ${fmt(events)} events in ${runs} runs, ${fmt(events / seconds)} events/s`)
      if (!more) break
    }
    const ms = (yield* now) - t0
    const steps = [...busy]
      .sort((a, b) => b[1] - a[1])
      .map(([step, millis]) => `${step} ${(millis / 1000).toFixed(1)} s`)
    yield* Console.log(`  ${label}: busy in ${steps.join(", ")}; wall ${(ms / 1000).toFixed(1)} s`)
    const check = yield* reconcile()
    if (check.differences > 0) {
      return yield* Effect.die(
        new Error(`${label}: the warehouse differs from OLTP in ${check.differences} figures; the figures are void`)
      )
    }
    return { events, ms, batches: runs }
  }).pipe(Effect.provide(RunnerCore), Effect.provideService(OlapSql, olap))

/** The ceiling: copy the change rows across, then move them with plain SQL inside PostgreSQL. */
const ceiling = (olap: PgClient.PgClient) =>
  Effect.gen(function* () {
    const oltp = yield* OltpSql
    const t0 = yield* now
    const events = yield* olap.withTransaction(
      Effect.gen(function* () {
        yield* olap`CREATE TEMP TABLE changes (id bigint, table_name text, op text, row jsonb, changed_at timestamptz) ON COMMIT DROP`
        let last = 0n
        let copied = 0
        while (true) {
          const rows = yield* oltp<{ id: bigint; table_name: string; op: string; row: string; changed_at: string }>`
            SELECT id, table_name, op, coalesce(row_after, row_before)::text AS row, changed_at::text
            FROM change_log WHERE id > ${last} ORDER BY id LIMIT ${COPY_CHUNK}`
          if (rows.length === 0) break
          yield* olap`
            INSERT INTO changes
            SELECT * FROM unnest(${int8Array(rows.map((r) => r.id))}::int8[], ${textArray(rows.map((r) => r.table_name))}::text[],
              ${textArray(rows.map((r) => r.op))}::text[], ${textArray(rows.map((r) => r.row))}::jsonb[], ${textArray(rows.map((r) => r.changed_at))}::timestamptz[])`
          last = rows.at(-1)!.id
          copied += rows.length
        }
        yield* Console.log(
          `  ceiling: copied ${fmt(copied)} change rows in ${(((yield* now) - t0) / 1000).toFixed(1)} s`
        )
        yield* olap`
          CREATE TEMP TABLE latest ON COMMIT DROP AS
          SELECT * FROM (
            SELECT DISTINCT ON (table_name, (row ->> 'id')::bigint) table_name, op, row, changed_at
            FROM changes ORDER BY table_name, (row ->> 'id')::bigint, id DESC) x
          WHERE op <> 'DELETE'`
        yield* olap`
          INSERT INTO dim_customer (customer_id, name, email, updated_at)
          SELECT (row ->> 'id')::bigint, row ->> 'name', row ->> 'email', (row ->> 'updated_at')::timestamptz
          FROM latest WHERE table_name = 'customers'`
        yield* olap`
          INSERT INTO dim_employee (employee_id, name, role, active, updated_at)
          SELECT (row ->> 'id')::bigint, row ->> 'name', row ->> 'role', (row ->> 'active')::boolean,
                 (row ->> 'updated_at')::timestamptz
          FROM latest WHERE table_name = 'employees'`
        yield* olap`
          INSERT INTO dim_product (product_id, name, price, category, size, active, valid_from, is_current)
          SELECT (row ->> 'id')::bigint, row ->> 'name', (row ->> 'price')::numeric, row ->> 'category', row ->> 'size',
                 (row ->> 'active')::boolean, changed_at, true
          FROM latest WHERE table_name = 'products'`
        yield* olap`
          INSERT INTO raw_orders (order_id, customer_id, employee_id, order_time, status)
          SELECT (row ->> 'id')::bigint, (row ->> 'customer_id')::bigint, (row ->> 'employee_id')::bigint,
                 (row ->> 'order_time')::timestamptz, row ->> 'status'
          FROM latest WHERE table_name = 'orders'`
        yield* olap`
          INSERT INTO raw_order_items (order_item_id, order_id, product_id, quantity, unit_price)
          SELECT (row ->> 'id')::bigint, (row ->> 'order_id')::bigint, (row ->> 'product_id')::bigint,
                 (row ->> 'quantity')::int, (row ->> 'unit_price')::numeric
          FROM latest WHERE table_name = 'order_items'`
        yield* olap`
          INSERT INTO raw_payments (payment_id, order_id, method, amount, status, paid_at)
          SELECT (row ->> 'id')::bigint, (row ->> 'order_id')::bigint, row ->> 'method', (row ->> 'amount')::numeric,
                 row ->> 'status', (row ->> 'paid_at')::timestamptz
          FROM latest WHERE table_name = 'payments'`
        yield* olap`
          INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
            employee_dim_id, product_id, quantity, price, total, order_time, order_status)
          SELECT i.order_item_id, o.order_id, to_char(o.order_time AT TIME ZONE 'UTC', 'YYYYMMDD')::int,
                 extract(hour FROM o.order_time AT TIME ZONE 'UTC')::smallint, c.id, p.id, e.id, i.product_id,
                 i.quantity, i.unit_price, i.quantity * i.unit_price, o.order_time, o.status
          FROM raw_orders o
          JOIN raw_order_items i ON i.order_id = o.order_id
          JOIN dim_customer c ON c.customer_id = o.customer_id
          JOIN dim_employee e ON e.employee_id = o.employee_id
          JOIN dim_product p ON p.product_id = i.product_id AND p.is_current
          WHERE o.status <> 'cancelled'`
        yield* olap`
          INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method,
            payment_status, date_id, recorded_at)
          SELECT p.payment_id, o.order_id, c.id, p.amount, p.method, p.status,
                 to_char(p.paid_at AT TIME ZONE 'UTC', 'YYYYMMDD')::int, p.paid_at
          FROM raw_orders o JOIN raw_payments p ON p.order_id = o.order_id
          JOIN dim_customer c ON c.customer_id = o.customer_id
          WHERE o.status <> 'cancelled'`
        yield* olap`
          INSERT INTO fact_inventory (product_id, product_dim_id, date_id, quantity_sold, quantity_on_hand)
          SELECT product_id, min(product_dim_id), date_id, sum(quantity),
                 -sum(sum(quantity)) OVER (PARTITION BY product_id ORDER BY date_id)
          FROM fact_sales GROUP BY product_id, date_id`
        return copied
      })
    )
    return { events, ms: (yield* now) - t0 }
  })

const FOREIGN_KEYS = [
  "ALTER TABLE fact_sales ADD FOREIGN KEY (customer_dim_id) REFERENCES dim_customer (id)",
  "ALTER TABLE fact_sales ADD FOREIGN KEY (product_dim_id) REFERENCES dim_product (id)",
  "ALTER TABLE fact_sales ADD FOREIGN KEY (employee_dim_id) REFERENCES dim_employee (id)",
  "ALTER TABLE fact_sales ADD FOREIGN KEY (date_id) REFERENCES dim_date (id)",
  "ALTER TABLE fact_sales ADD FOREIGN KEY (time_of_day_id) REFERENCES dim_time_of_day (id)",
  "ALTER TABLE fact_payments ADD FOREIGN KEY (customer_dim_id) REFERENCES dim_customer (id)",
  "ALTER TABLE fact_payments ADD FOREIGN KEY (date_id) REFERENCES dim_date (id)"
]

const bench = Command.make(
  "pipeline-backlog",
  {
    events: Flag.Int("events").pipe(
      Flag.withDescription("change events waiting in OLTP (1,000,000 is the goal's size)"),
      Flag.withDefault(1_000_000)
    ),
    foreignKeys: Flag.Boolean("foreign-keys").pipe(
      Flag.withDescription("also time the pipeline with enforced foreign keys on the fact tables"),
      Flag.withDefault(true)
    )
  },
  ({ events, foreignKeys }) =>
    Effect.gen(function* () {
      yield* Console.log(
        `Pipeline backlog benchmark: ${fmt(events)} change events, batches of ${fmt(DEFAULT_LIMIT)}, ${Os.cpus().length} CPUs`
      )
      const oltp = yield* OltpSql
      yield* migrate(oltp, "oltp")
      const g0 = yield* now
      const waiting = yield* generate(events)
      yield* Console.log(`Generated ${fmt(waiting)} change events in ${(((yield* now) - g0) / 1000).toFixed(1)} s.\n`)

      const run = yield* pipeline("pipeline", yield* freshWarehouse("bench_olap_pipeline"))
      const withFks = foreignKeys
        ? yield* Effect.gen(function* () {
            const olap = yield* freshWarehouse("bench_olap_fk")
            for (const ddl of FOREIGN_KEYS) yield* olap.unsafe(ddl)
            return Option.some(yield* pipeline("pipeline + FKs", olap))
          })
        : Option.none()
      const top = yield* ceiling(yield* freshWarehouse("bench_olap_ceiling"))

      const rate = (r: { events: number; ms: number }) => r.events / (r.ms / 1000)
      yield* Console.log("\nSummary")
      yield* Console.log(`  events                        ${fmt(run.events)}`)
      yield* Console.log(
        `  pipeline (no FKs)             ${(run.ms / 1000).toFixed(1)} s, ${fmt(rate(run))} events/s in ${run.batches} runs (reconciled)`
      )
      if (Option.isSome(withFks)) {
        const f = withFks.value
        yield* Console.log(
          `  pipeline with fact FKs        ${(f.ms / 1000).toFixed(1)} s, ${fmt(rate(f))} events/s (${((rate(f) / rate(run)) * 100).toFixed(0)}% of no-FK)`
        )
      }
      yield* Console.log(`  set-based ceiling             ${(top.ms / 1000).toFixed(1)} s, ${fmt(rate(top))} events/s`)
      const ratio = rate(run) / rate(top)
      yield* Console.log(
        `  pipeline ÷ ceiling            ${ratio.toFixed(2)}   goal ≥ 0.5: ${ratio >= 0.5 ? "met" : "MISSED"}`
      )
      const times = rate(run) / ORIGINAL_EVENTS_PER_SECOND
      yield* Console.log(
        `  vs the original's 272/s       ${times.toFixed(0)}×   goal ≥ 27,000 events/s: ${rate(run) >= 27_000 ? "met" : "MISSED"}`
      )
    }).pipe(Effect.provide(server))
).pipe(Command.withDescription("Time the CDC pipeline on a backlog of change events against the set-based ceiling"))

bench.pipe(Command.run({ version: "0.1.0" }), Effect.scoped, Effect.provide(NodeServices.layer), NodeRuntime.runMain)
