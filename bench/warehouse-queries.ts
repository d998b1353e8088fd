/**
 * Warehouse benchmark: generates `--rows` fact_sales rows (default 10,000,000:
 * two years of a busy shop) directly in a warehouse of its own (a throwaway
 * embedded PostgreSQL, so the dev data in .brewlytics is untouched), the last
 * day being today (so the Today cards read a busy day), builds the models in
 * full, times every dashboard card over HTTP (`GET /dashboards/{slug}/cards/{card}`
 * on the real API over the same warehouse: median and p95 of 20 runs, with the
 * page's default filters and with none), the original five queries on the star
 * against the marts, then adds 10,000 new sales and times an incremental
 * `models run` (and the runner's changed-only run, and one after late-arriving
 * sales), and what the changed-day triggers cost a bulk load.
 *
 *   npm run bench:warehouse-queries -- --rows 1000000
 *
 * With OLTP_ and OLAP_DATABASE_URL set to a server of your own, the warehouse
 * stays there; `--reuse` then times a later run on the same sales without
 * generating them again (each run deletes the sales it added at the end).
 *
 * Goals: every card endpoint p95 ≤ 50 ms; the incremental run after 10,000 new
 * sales ≤ 2 s.
 */
import { createServer } from "node:http"
import * as Os from "node:os"
import { ApiApp } from "@brewlytics/api/Http.ts"
import { ApiSettings } from "@brewlytics/api/Settings.ts"
import { OlapSql, OltpSql } from "@brewlytics/db/Databases.ts"
import { migrate } from "@brewlytics/db/Migrator.ts"
import { throwawayDatabases } from "@brewlytics/db/testing/ThrowawayDatabases.ts"
import { dashboards } from "@brewlytics/metabase/dashboards/All.ts"
import { toBound } from "@brewlytics/metabase/Query.ts"
import { runModels } from "@brewlytics/warehouse/Builder.ts"
import { marts, originals } from "@brewlytics/warehouse/DashboardQueries.ts"
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Clock, Console, Context, DateTime, Duration, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { FetchHttpClient, HttpClient, HttpServer } from "effect/http"

const DAYS = 730
const LAST_DAY = DateTime.formatIsoDateUtc(DateTime.nowUnsafe())
const CUSTOMERS = 5_000
const EMPLOYEES = 12
const ITEMS_PER_ORDER = 3
const CHUNK = 500_000
const NEW_SALES = 10_000
const LATE_DAYS = 30
const TRACKING_ROWS = 200_000

/** Its own databases (a throwaway embedded server unless OLTP_ and OLAP_DATABASE_URL are set). */
const warehouse = throwawayDatabases("brewlytics-warehouse-bench-")

const now = Clock.currentTimeMillis

/** Runs a long statement on one connection with no statement timeout. */
const long = <A>(effect: Effect.Effect<A, unknown, OlapSql>) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql`SET LOCAL statement_timeout = 0`
        return yield* effect
      })
    )
  })

/** Sale items `from`..`to` of a shop with `orders` orders spread evenly over the two years. */
const insertSales = (from: number, to: number, orders: number) =>
  Effect.flatMap(
    OlapSql,
    (sql) => sql`
      INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
                              employee_dim_id, product_id, quantity, price, total, order_time, order_status)
      SELECT i, o, to_char(t, 'YYYYMMDD')::int, extract(hour FROM t)::smallint,
             1 + (o * 7919) % ${CUSTOMERS}, p.id, 1 + (o / 50) % ${EMPLOYEES}, p.product_id, q, p.price, q * p.price, t, 'completed'
      FROM (
        SELECT i, o, 1 + (i % 3) AS q, 1 + (i * 48271) % 42 AS product,
               (${LAST_DAY}::date - ${DAYS - 1})::timestamp AT TIME ZONE 'UTC'
                 + make_interval(days => (((o - 1)::bigint * ${DAYS} / ${orders}) % ${DAYS})::int)
                 + make_interval(hours => (7 + (o * 7) % 13)::int, mins => ((o * 31) % 60)::int) AS t
        FROM (SELECT i, (i - 1) / ${ITEMS_PER_ORDER} + 1 AS o FROM generate_series(${from}::bigint, ${to}::bigint) i) x
      ) s JOIN dim_product p ON p.product_id = s.product`
  )

class RolledBack {
  readonly _tag = "RolledBack"
}

/**
 * What OLAP V5's changed-day triggers cost a bulk load: the same `count` new
 * sale items (over every day) inserted with and without them (replica role
 * skips triggers), each in a transaction that is rolled back.
 */
const trackingCost = (rows: number, count: number) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const orders = Math.ceil(rows / ITEMS_PER_ORDER)
    // Ids after every item so far (the added sales continue the generated ones).
    const [last] = yield* sql<{ id: number }>`SELECT max(order_item_id)::int AS id FROM fact_sales`
    const from = last!.id + 1
    const timed = (tracked: boolean) =>
      Effect.gen(function* () {
        const t0 = performance.now()
        yield* sql
          .withTransaction(
            Effect.gen(function* () {
              yield* sql`SET LOCAL statement_timeout = 0`
              if (!tracked) yield* sql`SET LOCAL session_replication_role = replica`
              yield* insertSales(from, from + count - 1, orders)
              return yield* Effect.fail(new RolledBack())
            })
          )
          .pipe(
            Effect.catchIf(
              (e) => e instanceof RolledBack,
              () => Effect.void
            )
          )
        return performance.now() - t0
      })
    yield* timed(true) // warm the cache once
    const best = (tracked: boolean) =>
      Effect.map(Effect.all([timed(tracked), timed(tracked), timed(tracked)]), (ts) => Math.min(...ts))
    const without = yield* best(false)
    const with_ = yield* best(true)
    return { without, with: with_ }
  })

const generate = (rows: number) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const orders = Math.ceil(rows / ITEMS_PER_ORDER)
    yield* sql`INSERT INTO dim_customer (customer_id, name, email, updated_at)
      SELECT c, 'Customer ' || c, 'customer' || c || '@example.com', now() FROM generate_series(1, ${CUSTOMERS}) c`
    yield* sql`INSERT INTO dim_employee (employee_id, name, role, active, updated_at)
      SELECT e, 'Employee ' || e, (ARRAY['barista','shift_lead','manager','cashier','baker'])[1 + e % 5], e <= 10, now()
      FROM generate_series(1, ${EMPLOYEES}) e`
    yield* sql`INSERT INTO dim_product (product_id, name, price, category, size, active, valid_from, is_current)
      SELECT p, 'Product ' || ((p + 2) / 3), (2 + (p % 7) * 0.5)::numeric(12,2),
             (ARRAY['coffee','tea','pastry','food','other'])[1 + p % 5], (ARRAY['small','medium','large'])[1 + p % 3],
             true, '2020-01-01', true
      FROM generate_series(1, 42) p`
    // Orders spread evenly over the two years, between 07:00 and 19:59, items from a fixed menu.
    const started = yield* now
    for (let from = 1; from <= rows; from += CHUNK) {
      const to = Math.min(rows, from + CHUNK - 1)
      yield* long(insertSales(from, to, orders))
      const ms = (yield* now) - started
      yield* Console.log(
        `  fact_sales ${to.toLocaleString("en-US")} / ${rows.toLocaleString("en-US")} rows (${Math.round((to / ms) * 1000).toLocaleString("en-US")} rows/s)`
      )
    }
    yield* long(sql`
      INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method, payment_status, date_id, recorded_at)
      SELECT order_id, order_id, min(customer_dim_id), sum(total), (ARRAY['cash','card','mobile'])[1 + order_id % 3], 'paid',
             min(date_id), min(order_time)
      FROM fact_sales GROUP BY order_id`)
    yield* Console.log("  fact_payments: one per order")
    yield* long(sql`
      INSERT INTO fact_inventory (product_id, product_dim_id, date_id, quantity_sold, quantity_received, quantity_wasted, quantity_on_hand)
      SELECT product_id, product_id, date_id, sold, received, wasted,
             (sum(received - sold - wasted) OVER (PARTITION BY product_id ORDER BY date_id))::int
      FROM (
        SELECT product_id, date_id, sum(quantity)::int AS sold,
               CASE WHEN date_id % 3 = 0 THEN sum(quantity)::int * 3 ELSE 0 END AS received,
               CASE WHEN date_id % 7 = 0 THEN 2 ELSE 0 END AS wasted
        FROM fact_sales GROUP BY product_id, date_id
      ) d`)
    yield* Console.log("  fact_inventory: one per product per day")
    yield* long(sql`ANALYZE`)
  })

/** How many sales an earlier run left (for `--reuse`). */
const salesThere = Effect.flatMap(OlapSql, (sql) => sql<{ n: number }>`SELECT count(*)::int AS n FROM fact_sales`).pipe(
  Effect.map(([row]) => row!.n)
)

/** VACUUM (outside a transaction) the tables the models run rebuilt, as autovacuum does soon after. */
const vacuum = Effect.gen(function* () {
  const sql = yield* OlapSql
  const tables = yield* sql<{ name: string }>`
    SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname IN ('intermediate', 'marts')`
  if (tables.length > 0) yield* sql.unsafe(`VACUUM ${tables.map((t) => t.name).join(", ")}`).unprepared
})

const loadAverage = () =>
  Os.loadavg()
    .map((l) => l.toFixed(2))
    .join(", ")

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!

const timeQueries = (queries: ReadonlyArray<{ name: string; sql: string }>, runs: number, unbounded = false) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const results: Array<{ name: string; median: number; p95: number; rows: number }> = []
    for (const q of queries) {
      const times: Array<number> = []
      let rows = 0
      yield* unbounded ? long(sql.unsafe(q.sql)) : sql.unsafe(q.sql) // warm the cache and the plan once
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now()
        rows = (yield* unbounded ? long(sql.unsafe(q.sql)) : sql.unsafe(q.sql)).length
        times.push(performance.now() - t0)
      }
      times.sort((a, b) => a - b)
      results.push({ name: q.name, median: percentile(times, 50), p95: percentile(times, 95), rows })
    }
    return results
  })

/** The filters the dashboard page starts with: the last 30 days. */
const PAGE_DEFAULT = (() => {
  const today = DateTime.nowUnsafe()
  const from = DateTime.subtract(today, { days: 29 })
  return `from=${DateTime.formatIsoDateUtc(from)}&to=${DateTime.formatIsoDateUtc(today)}`
})()

/**
 * Every card of every dashboard over HTTP, on the real API serving this
 * warehouse (its own server on a free port), `runs` times each, with `query`.
 */
const timeCards = (runs: number, query: string) =>
  Effect.gen(function* () {
    const context = yield* Layer.build(
      ApiApp.pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0 })),
        Layer.provide(ApiSettings.inProcess({ requestTimeout: Duration.seconds(30) }))
      )
    )
    const base = HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)
    const client = yield* HttpClient.HttpClient
    const results: Array<{ name: string; median: number; p95: number; rows: number }> = []
    for (const d of dashboards) {
      for (const card of d.cards) {
        const url = `${base}/dashboards/${d.slug}/cards/${card.slug}${query === "" ? "" : `?${query}`}`
        const fetchOnce = Effect.flatMap(client.get(url), (res) =>
          res.status === 200
            ? Effect.map(res.json, (body) => (body as { rows: ReadonlyArray<unknown> }).rows.length)
            : Effect.flatMap(res.text, (text) => Effect.die(new Error(`${url}: ${res.status} ${text}`)))
        )
        yield* fetchOnce // warm the plan and the cache once
        const times: Array<number> = []
        let rows = 0
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now()
          rows = yield* fetchOnce
          times.push(performance.now() - t0)
        }
        times.sort((a, b) => a - b)
        results.push({
          name: `${d.slug}/${card.slug}`,
          median: percentile(times, 50),
          p95: percentile(times, 95),
          rows
        })
      }
    }
    return results
  }).pipe(Effect.scoped, Effect.provide(FetchHttpClient.layer))

/** The plan of each card over the goal, with the page's default filters: where its time goes. */
const explainSlow = (results: ReadonlyArray<{ name: string; p95: number }>, goal: number) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    const today = DateTime.nowUnsafe()
    const filters = {
      from: DateTime.formatIsoDateUtc(DateTime.subtract(today, { days: 29 })),
      to: DateTime.formatIsoDateUtc(today)
    }
    for (const r of results.filter((r) => r.p95 > goal)) {
      const [slug, cardSlug] = r.name.split("/")
      const card = dashboards.find((d) => d.slug === slug)?.cards.find((c) => c.slug === cardSlug)
      if (card === undefined) continue
      const { strings, values } = toBound(card.query, filters)
      const explained = [`EXPLAIN (ANALYZE, BUFFERS) ${strings[0]}`, ...strings.slice(1)]
      const template = Object.assign([...explained], { raw: [...explained] }) as unknown as TemplateStringsArray
      const plan = yield* sql<{ "QUERY PLAN": string }>(template, ...values)
      yield* Console.log(`\nPlan of ${r.name} (p95 ${r.p95.toFixed(1)} ms):`)
      for (const line of plan) yield* Console.log(`  ${line["QUERY PLAN"]}`)
    }
  })

const printQueries = (
  title: string,
  results: ReadonlyArray<{ name: string; median: number; p95: number; rows: number }>,
  goal: Option.Option<number>
) =>
  Effect.gen(function* () {
    yield* Console.log(`\n${title}`)
    yield* Console.log(
      `  ${"query".padEnd(44)} ${"rows".padStart(6)} ${"median ms".padStart(10)} ${"p95 ms".padStart(8)}`
    )
    for (const r of results) {
      const verdict = Option.match(goal, { onNone: () => "", onSome: (g) => (r.p95 <= g ? "  ok" : `  OVER ${g} ms`) })
      yield* Console.log(
        `  ${r.name.padEnd(44)} ${String(r.rows).padStart(6)} ${r.median.toFixed(1).padStart(10)} ${r.p95.toFixed(1).padStart(8)}${verdict}`
      )
    }
  })

const addSales = (count: number, daysBack = 0) =>
  Effect.gen(function* () {
    const sql = yield* OlapSql
    // New items on the last day (or `daysBack` before it: late-arriving), continuing the ids.
    yield* long(sql`
      INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
                              employee_dim_id, product_id, quantity, price, total, order_time, order_status)
      SELECT m.max_item + i, m.max_order + 1 + (i - 1) / ${ITEMS_PER_ORDER}, to_char(t, 'YYYYMMDD')::int, extract(hour FROM t)::smallint,
             1 + i % ${CUSTOMERS}, p.id, 1 + i % ${EMPLOYEES}, p.product_id, 1, p.price, p.price, t, 'completed'
      FROM (SELECT max(order_item_id) AS max_item, max(order_id) AS max_order FROM fact_sales) m,
           generate_series(1, ${count}) i,
           LATERAL (SELECT (${LAST_DAY}::date - ${daysBack})::timestamp AT TIME ZONE 'UTC' + make_interval(hours => (7 + i % 13)::int, mins => (i % 60)::int) AS t) x,
           LATERAL (SELECT * FROM dim_product WHERE product_id = 1 + i % 42) p`)
  })

const bench = Command.make(
  "warehouse-queries",
  {
    rows: Flag.Int("rows").pipe(
      Flag.withDescription(
        "fact_sales rows to generate (10,000,000 is the goal's size; 1,000,000 runs in about a minute)"
      ),
      Flag.withDefault(10_000_000)
    ),
    runs: Flag.Int("runs").pipe(Flag.withDescription("runs per query"), Flag.withDefault(20)),
    reuse: Flag.Boolean("reuse").pipe(
      Flag.withDescription(
        "with OLTP_ and OLAP_DATABASE_URL set to a server kept from an earlier run: use the sales already there instead of generating them again (the models are still rebuilt in full)"
      ),
      Flag.withDefault(false)
    )
  },
  ({ rows, runs, reuse }) =>
    Effect.gen(function* () {
      yield* Console.log(
        `Warehouse benchmark: ${rows.toLocaleString("en-US")} fact_sales rows over ${DAYS} days, ${Os.cpus().length} CPUs`
      )
      yield* migrate(yield* OltpSql, "oltp")
      yield* migrate(yield* OlapSql, "olap")
      const t0 = yield* now
      const existing = reuse ? yield* salesThere : 0
      if (existing > 0) {
        yield* Console.log(`Reusing the ${existing.toLocaleString("en-US")} sales already in the warehouse.`)
      } else {
        yield* generate(rows)
      }
      const generated = (yield* now) - t0
      yield* Console.log(`Generated in ${(generated / 1000).toFixed(1)} s.`)

      yield* Console.log("\nFull models run:")
      const full = yield* runModels({ incremental: false, onProgress: (l) => Console.log(`  ${l}`) })
      // The cards are timed as they run a minute after a rebuild, once autovacuum has set the rebuilt tables'
      // visibility maps (what index-only scans need), not in the seconds before it comes round.
      yield* vacuum
      yield* Console.log(`Load average (1, 5, 15 min) before the cards: ${loadAverage()}`)

      const cards = yield* timeCards(runs, PAGE_DEFAULT)
      yield* printQueries(
        `Dashboard cards over HTTP, the page's default view (${PAGE_DEFAULT}; ${runs} runs each)`,
        cards,
        Option.some(50)
      )
      yield* explainSlow(cards, 50)
      const cardsAll = yield* timeCards(runs, "")
      yield* printQueries(
        `Dashboard cards over HTTP, no filters: all history (${runs} runs each)`,
        cardsAll,
        Option.none()
      )
      const fromMarts = yield* timeQueries(marts, runs)
      yield* printQueries(`The original five from the marts (${runs} runs each)`, fromMarts, Option.none())
      const fromStar = yield* timeQueries(originals, Math.min(runs, 5), true)
      yield* printQueries(
        `The original queries on the star schema, for comparison (${Math.min(runs, 5)} runs each)`,
        fromStar,
        Option.none()
      )

      const [generatedUpTo] = yield* (yield* OlapSql)<{
        id: number
      }>`SELECT max(order_item_id)::int AS id FROM fact_sales`
      yield* addSales(NEW_SALES)
      yield* Console.log(
        `\nIncremental models run after ${NEW_SALES.toLocaleString("en-US")} new sales (the default: exactly the changed days):`
      )
      const incremental = yield* runModels({ incremental: true, onProgress: (l) => Console.log(`  ${l}`) })

      // What the pipeline runner runs after a load: only the models with changed days pending.
      yield* addSales(NEW_SALES)
      yield* Console.log(
        `\nThe runner's models run (changed models only) after ${NEW_SALES.toLocaleString("en-US")} more new sales:`
      )
      const changed = yield* runModels({ changed: true, onProgress: (l) => Console.log(`  ${l}`) })

      yield* addSales(NEW_SALES, LATE_DAYS)
      yield* Console.log(
        `\nIncremental models run after ${NEW_SALES.toLocaleString("en-US")} late sales, ${LATE_DAYS} days old (every day since is recomputed):`
      )
      const late = yield* runModels({ incremental: true, onProgress: (l) => Console.log(`  ${l}`) })

      const tracking = yield* trackingCost(rows, TRACKING_ROWS)
      yield* Console.log(
        `\nChanged-day triggers on a bulk load of ${TRACKING_ROWS.toLocaleString("en-US")} sale items (best of 3, rolled back): ${tracking.with.toFixed(0)} ms with, ${tracking.without.toFixed(0)} ms without`
      )

      // The sales added above go again, so a later `--reuse` run times the same warehouse (its models are rebuilt).
      yield* long(
        Effect.flatMap(OlapSql, (sql) => sql`DELETE FROM fact_sales WHERE order_item_id > ${generatedUpTo!.id}`)
      )

      const worst = cards.reduce((a, b) => (b.p95 > a.p95 ? b : a))
      const worstAll = cardsAll.reduce((a, b) => (b.p95 > a.p95 ? b : a))
      yield* Console.log("\nSummary")
      yield* Console.log(`  rows                          ${rows.toLocaleString("en-US")}`)
      yield* Console.log(`  generate                      ${(generated / 1000).toFixed(1)} s`)
      yield* Console.log(`  full models run               ${(full.ms / 1000).toFixed(2)} s`)
      yield* Console.log(
        `  incremental run (+${NEW_SALES.toLocaleString("en-US")})      ${(incremental.ms / 1000).toFixed(2)} s   goal ≤ 2 s: ${incremental.ms <= 2000 ? "met" : "MISSED"}`
      )
      yield* Console.log(`  runner's run, changed only    ${(changed.ms / 1000).toFixed(2)} s`)
      yield* Console.log(`  incremental, ${LATE_DAYS} days late      ${(late.ms / 1000).toFixed(2)} s`)
      yield* Console.log(
        `  changed-day triggers          +${(tracking.with - tracking.without).toFixed(0)} ms on ${TRACKING_ROWS.toLocaleString("en-US")} rows (${((tracking.with / tracking.without - 1) * 100).toFixed(1)}%, ${(((tracking.with - tracking.without) / TRACKING_ROWS) * 1000).toFixed(2)} µs/row)`
      )
      yield* Console.log(
        `  slowest card p95, default view ${worst.p95.toFixed(1)} ms (${worst.name})   goal ≤ 50 ms: ${worst.p95 <= 50 ? "met" : "MISSED"}`
      )
      yield* Console.log(`  slowest card p95, all history ${worstAll.p95.toFixed(1)} ms (${worstAll.name})`)
      yield* Console.log(`  load average at the end       ${loadAverage()} (1, 5, 15 min; ${Os.cpus().length} CPUs)`)
      const starTotal = fromStar.reduce((s, r) => s + r.median, 0)
      const martTotal = fromMarts.reduce((s, r) => s + r.median, 0)
      yield* Console.log(
        `  original five, star ÷ marts   ${(starTotal / martTotal).toFixed(0)}× (median sums ${starTotal.toFixed(0)} ms vs ${martTotal.toFixed(1)} ms)`
      )
    }).pipe(Effect.provide(warehouse))
).pipe(Command.withDescription("Time the dashboard cards over HTTP and the models runs on a generated warehouse"))

bench.pipe(Command.run({ version: "0.1.0" }), Effect.scoped, Effect.provide(NodeServices.layer), NodeRuntime.runMain)
