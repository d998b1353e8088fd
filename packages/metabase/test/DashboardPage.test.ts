import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { RUNNER_WORKER } from "@brewlytics/cli/RunnerThreadStart.ts"
import { OlapSql } from "@brewlytics/db/Databases.ts"
import { runRunnerThread } from "@brewlytics/pipeline/RunnerThread.ts"
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Schedule } from "effect"
import { chromium, type Page } from "playwright-core"
import { baseUrl, live, postJson, TestApi } from "../../api/test/TestApi.ts"
import { placeOrders } from "../../pipeline/test/cdc/Shop.ts"
import { dashboards } from "../src/dashboards/All.ts"

/** Where the screenshots go (the desktop one is what docs/dashboard.png shows). */
export const SCREENSHOTS = Path.join(Os.tmpdir(), "brewlytics-dashboard-screenshots")

/** Cards that are empty while the pipeline is healthy: they must show the empty state, never a broken chart. */
const EMPTY_WHEN_HEALTHY = new Set(["failures", "dead-letters"])

/** Debian's Chromium (never a downloaded browser) with a fresh profile, closed with the scope. */
const launch = (options: { readonly width: number; readonly height: number; readonly phone?: boolean }) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      chromium.launchPersistentContext(Fs.mkdtempSync(Path.join(Os.tmpdir(), "brewlytics-chromium-")), {
        executablePath: "/usr/bin/chromium",
        args: [
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync"
        ],
        viewport: { width: options.width, height: options.height },
        ...(options.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {})
      })
    ),
    (context) => Effect.promise(() => context.close())
  )

/** A page of a fresh browser; console errors and uncaught exceptions land in `errors`. */
const openPage = (
  options: { readonly width: number; readonly height: number; readonly phone?: boolean },
  errors: Array<string>
) =>
  Effect.gen(function* () {
    const context = yield* launch(options)
    const page = yield* Effect.promise(() => context.newPage())
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text())
    })
    page.on("pageerror", (e) => errors.push(e.message))
    return page
  })

/** What the page's elements are to these checks (the project compiles without the DOM's types). */
interface Card {
  readonly dataset: Record<string, string | undefined>
  readonly querySelector: (selector: string) => unknown
}

/** The page's window as these checks see it; `globalThis as unknown as Window` inside functions that run there. */
interface Window {
  readonly document: {
    readonly querySelector: (selector: string) => Card | null
    readonly querySelectorAll: (selector: string) => Iterable<Card>
  }
  notReloaded?: boolean
}

const promise = <A>(f: () => Promise<A>) => Effect.promise(f)

/** A drawn element of an ECharts chart, as far as these checks look into it. */
interface Drawn {
  readonly style?: { readonly text?: unknown }
  readonly childrenRef?: () => ReadonlyArray<Drawn>
}

/** The page's window with ECharts loaded. */
interface ChartsWindow {
  readonly document: {
    readonly querySelectorAll: (selector: string) => Iterable<Card>
  }
  readonly echarts: {
    readonly getInstanceByDom: (element: unknown) =>
      | {
          readonly getZr: () => {
            readonly storage: { readonly getDisplayList: (update: boolean) => ReadonlyArray<Drawn> }
          }
        }
      | undefined
  }
}

const rowCards = dashboards.flatMap((d) => d.cards.filter((c) => c.display === "row").map((c) => c.slug))

/**
 * Every label a chart on screen drew cut short (ending in ECharts' "..."), as `card: text`. Row charts
 * cut long product names on purpose; every other label is drawn whole.
 */
const cutLabels = (page: Page) =>
  promise(() =>
    page.evaluate((rows) => {
      const w = globalThis as unknown as ChartsWindow
      const cut: Array<string> = []
      for (const card of w.document.querySelectorAll("[data-card]")) {
        const holder = card.querySelector(".chart")
        const chart = holder === null ? undefined : w.echarts.getInstanceByDom(holder)
        if (chart === undefined || rows.includes(card.dataset.card ?? "")) continue
        const visit = (e: Drawn) => {
          if (typeof e.style?.text === "string" && e.style.text.endsWith("..."))
            cut.push(`${card.dataset.card}: ${e.style.text}`)
          for (const child of e.childrenRef?.() ?? []) visit(child)
        }
        for (const e of chart.getZr().storage.getDisplayList(true)) visit(e)
      }
      return cut
    }, rowCards)
  )

/** Places an order through the API; its total. */
const order = (
  items: ReadonlyArray<{ product_id: number; quantity: number }>,
  customer = 1,
  payment_method: "cash" | "card" | "mobile" = "card"
) =>
  Effect.gen(function* () {
    const res = yield* postJson("/orders/new", { customer_id: customer, items, payment_method })
    assert.strictEqual(res.status, 200, res.text)
    return Number(res.json.total)
  })

/** Waits until the warehouse's models hold the day's sales (the runner loads, then builds the models). */
const modelsBuilt = Effect.gen(function* () {
  const sql = yield* OlapSql
  const rows = yield* sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'marts' AND tablename = 'mart_customer_segments'`
  if (rows[0]!.n === 0) return false
  const [built] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM marts.mart_customer_segments`
  const [pending] = yield* sql<{ n: number }>`SELECT count(*)::int AS n FROM warehouse_changed_days`
  return built!.n > 0 && pending!.n === 0
}).pipe(
  Effect.orDie,
  Effect.repeat({ schedule: Schedule.spaced("250 millis"), until: (done) => done }),
  Effect.timeout(Duration.seconds(60))
)

/** Every card of the dashboard on screen reached a final state; their states by slug. */
const settled = (page: Page, slug: string) =>
  promise(async () => {
    const spec = dashboards.find((d) => d.slug === slug)!
    await page.waitForFunction(
      (count) => {
        const cards: Array<Card> = [...(globalThis as unknown as Window).document.querySelectorAll("[data-card]")]
        // Loaded, and a ready card has drawn its chart, table or figure.
        return (
          cards.length === count &&
          cards.every(
            (c) =>
              c.dataset.state !== "loading" &&
              (c.dataset.state !== "ready" || c.querySelector("canvas, table, .scalar") !== null)
          )
        )
      },
      spec.cards.length,
      { timeout: 20_000 }
    )
    const states: Record<string, { state: string; rows: number; drawn: boolean }> = await page.$$eval(
      "[data-card]",
      (cards) =>
        Object.fromEntries(
          cards.map((c) => {
            const e = c as unknown as Card
            const drawn = e.querySelector("canvas, table, .scalar") !== null
            return [e.dataset.card, { state: e.dataset.state, rows: Number(e.dataset.rows ?? 0), drawn }]
          })
        )
    )
    return states
  })

const openDashboard = (page: Page, query: string) =>
  promise(() => page.goto(`${page.url().split("?")[0]}?${query}`, { waitUntil: "domcontentloaded" }))

const revenueToday = (page: Page) =>
  promise(() => page.$eval("[data-card=revenue-today] .value", (e) => Number((e as unknown as Card).dataset.value)))

layer(TestApi(), live)("the built-in dashboard page", (it) => {
  it.effect(
    "draws every card with data, updates today's revenue live, narrows by filter, logs no errors",
    () =>
      Effect.gen(function* () {
        // The runner on its own thread, building the models two seconds after each load.
        yield* Effect.forkScoped(
          runRunnerThread({
            entry: RUNNER_WORKER,
            env: { RUNNER_PORT: "0", PIPELINE_AFTER_INTERVAL_WAREHOUSE_MODELS: "2 seconds" }
          })
        )
        // A few orders three weeks ago: the date-range charts then span a month of days.
        yield* placeOrders(4, { at: new Date(Date.now() - 21 * 86_400_000).toISOString(), salt: 5 })
        // The morning delivery, then a morning's orders across every category (coffee 1-17, tea 19-26, pastry 27-32, food 33-38, other 39-42).
        const menu = [1, 20, 27, 33, 39, 6, 23, 30, 35, 41, 10, 29]
        for (const id of new Set(menu)) {
          const received = yield* postJson(`/products/${id}/stock/received`, { quantity: 40 })
          assert.strictEqual(received.status, 200, received.text)
        }
        for (let i = 0; i < 12; i++) {
          yield* order(
            [
              { product_id: menu[i]!, quantity: 1 + (i % 3) },
              { product_id: menu[(i + 5) % menu.length]!, quantity: 1 }
            ],
            1 + (i % 5),
            (["card", "cash", "mobile"] as const)[i % 3]
          )
        }
        const stock = yield* postJson("/products/1/stock/wasted", { quantity: 3 })
        assert.strictEqual(stock.status, 200, stock.text)
        yield* modelsBuilt

        const errors: Array<string> = []
        Fs.mkdirSync(SCREENSHOTS, { recursive: true })
        const page = yield* openPage({ width: 1440, height: 1000 }, errors)
        const url = `${yield* baseUrl}/dashboard`
        yield* promise(() => page.goto(url, { waitUntil: "domcontentloaded" }))

        // Every dashboard: every card drawn, with rows (the failure lists are empty on a healthy system).
        for (const d of dashboards) {
          yield* openDashboard(page, `dashboard=${d.slug}`)
          const states = yield* settled(page, d.slug)
          yield* promise(() => page.waitForTimeout(600)) // ECharts' entry animation
          yield* promise(() => page.screenshot({ path: Path.join(SCREENSHOTS, `${d.slug}.png`), fullPage: true }))
          assert.deepStrictEqual(yield* cutLabels(page), [], `${d.slug}: labels drawn cut`)
          for (const card of d.cards) {
            const s = states[card.slug]!
            if (EMPTY_WHEN_HEALTHY.has(card.slug)) {
              assert.strictEqual(s.state, "empty", `${d.slug}/${card.slug}`)
            } else {
              assert.strictEqual(s.state, "ready", `${d.slug}/${card.slug}: ${JSON.stringify(s)}`)
              assert.isAbove(s.rows, 0, `${d.slug}/${card.slug}`)
              assert.isTrue(s.drawn, `${d.slug}/${card.slug} drew nothing; page errors: ${errors.join(" | ")}`)
            }
          }
        }

        // A failure and a dead letter show up as rows on the pipeline dashboard.
        const sql = yield* OlapSql
        yield* sql`INSERT INTO pipeline_runs (run_id, pipeline, version, trigger, started_at, ended_at, status, error)
          VALUES ('page-test-failure', 'cdc_to_star', 'test', 'manual', now(), now(), 'failed', 'the OLAP database was unreachable')`
        yield* sql`INSERT INTO pipeline_dead_letters (pipeline, step, item_key, run_id, reason)
          VALUES ('cdc_to_star', 'load', '42', 'page-test-failure', 'unknown product 999')`
        yield* openDashboard(page, "dashboard=pipeline-health")
        const health = yield* settled(page, "pipeline-health")
        assert.strictEqual(health.failures!.state, "ready")
        assert.strictEqual(health["dead-letters"]!.state, "ready")

        // The overview: screenshots at desktop and phone width.
        yield* openDashboard(page, "dashboard=shop-overview")
        yield* settled(page, "shop-overview")
        yield* promise(() => page.waitForTimeout(800)) // ECharts' entry animation
        yield* promise(() => page.screenshot({ path: Path.join(SCREENSHOTS, "desktop.png"), fullPage: true }))

        // A new order reaches the Today cards without a reload.
        yield* promise(() => page.evaluate(() => Object.assign(globalThis as unknown as Window, { notReloaded: true })))
        const before = yield* revenueToday(page)
        const total = yield* order([{ product_id: 3, quantity: 2 }])
        const started = Date.now()
        yield* promise(() =>
          page.waitForFunction(
            (expected) => {
              const e: Card | null = (globalThis as unknown as Window).document.querySelector(
                "[data-card=revenue-today] .value"
              )
              return e !== null && Math.abs(Number(e.dataset.value) - expected) < 0.005
            },
            before + total,
            { timeout: 15_000 }
          )
        )
        yield* Effect.logInfo(`The new order reached the Today revenue card in ${Date.now() - started} ms`)
        assert.isTrue(yield* promise(() => page.evaluate(() => (globalThis as unknown as Window).notReloaded === true)))

        // A filter narrows the data, and lands in the URL for sharing.
        yield* openDashboard(page, "dashboard=products")
        const allCategories = yield* settled(page, "products")
        yield* promise(() => page.selectOption("select[name=category]", "coffee"))
        yield* promise(() => page.waitForURL(/category=coffee/))
        const coffee = yield* settled(page, "products")
        assert.isAbove(allCategories["category-share"]!.rows, 1)
        assert.strictEqual(coffee["category-share"]!.rows, 1)
        assert.isBelow(coffee["product-ranking"]!.rows, allCategories["product-ranking"]!.rows + 1)
        // The shared link opens the same view.
        yield* promise(() => page.reload({ waitUntil: "domcontentloaded" }))
        assert.strictEqual((yield* settled(page, "products"))["category-share"]!.rows, 1)
        assert.strictEqual(yield* promise(() => page.inputValue("select[name=category]")), "coffee")

        // Phone width: one column, still every card drawn.
        const phone = yield* openPage({ width: 390, height: 844, phone: true }, errors)
        yield* promise(() => phone.goto(`${url}?dashboard=shop-overview`, { waitUntil: "domcontentloaded" }))
        const onPhone = yield* settled(phone, "shop-overview")
        assert.isTrue(Object.values(onPhone).every((s) => s.state === "ready"))
        const widths = yield* promise(() =>
          phone.$$eval("[data-card]", (cards) => cards.map((c) => c.getBoundingClientRect().width))
        )
        assert.isTrue(
          widths.every((w) => w > 300 && w <= 390),
          `cards fill the phone's width: ${widths}`
        )
        yield* promise(() => phone.waitForTimeout(800))
        yield* promise(() => phone.screenshot({ path: Path.join(SCREENSHOTS, "phone.png"), fullPage: true }))
        assert.deepStrictEqual(yield* cutLabels(phone), [], "labels drawn cut on the phone")
        yield* Effect.logInfo(`Screenshots in ${SCREENSHOTS}`)

        assert.deepStrictEqual(errors, [], errors.join("\n"))
      }).pipe(Effect.scoped),
    { timeout: 180_000 }
  )
})
