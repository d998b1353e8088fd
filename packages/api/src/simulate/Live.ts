import { MAX_PAGE } from "@brewlytics/domain/api/Pages.ts"
import { CustomerId, EmployeeId, OrderId, OrderItemId, ProductId } from "@brewlytics/domain/Ids.ts"
import { type Client, make } from "@brewlytics/sdk/Client.ts"
import { Clock, Effect, type Redacted, Schedule } from "effect"
import { DAY, dayOf } from "./Calendar.ts"
import { type Ledger, makeLedger } from "./Ledger.ts"
import { type SimEvent, simulate, type World } from "./Model.ts"

export interface LiveOptions {
  readonly seed: number
  /** The API, e.g. `http://127.0.0.1:8000`. */
  readonly baseUrl: string
  readonly token?: Redacted.Redacted | undefined
  /** Simulated time per real time: 1 real time, 60 an hour a minute; Infinity as fast as the API answers. */
  readonly speed: number
  /** Where simulated time starts (epoch ms). */
  readonly from: number
  /** Where it stops (exclusive); absent: never. */
  readonly until?: number | undefined
  /** How long to wait for the API to answer at first (it may still be starting). */
  readonly waitForApi?: number | undefined
}

export interface LiveReport {
  readonly sent: number
  readonly refused: number
  readonly orders: number
}

/** Every page of a listing. */
const all = Effect.fn("Live.all")(function* <A>(
  page: (
    after: number | undefined
  ) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly next_after: number | null }, unknown>
) {
  const out: Array<A> = []
  let after: number | undefined
  while (true) {
    const p = yield* page(after)
    out.push(...p.items)
    if (p.next_after === null) return out
    after = p.next_after
  }
})

/** The shop as the API shows it: active staff, products on sale, customers in id order. */
const readWorld = Effect.fn("Live.readWorld")(function* (client: Client) {
  const staff = yield* client.employees.active()
  const products = yield* all((after) =>
    client.products.list({
      query: { active: true, limit: MAX_PAGE, after: after === undefined ? undefined : ProductId.make(after) }
    })
  )
  const customers = yield* all((after) =>
    client.customers.list({
      query: { limit: MAX_PAGE, after: after === undefined ? undefined : CustomerId.make(after) }
    })
  )
  return {
    world: {
      staff: staff.map((e) => e.id as number),
      menu: products.map((p) => ({ id: p.id as number, name: p.name, category: p.category }))
    } satisfies World,
    customers: customers.map((c) => c.id as number)
  }
})

type Report = { -readonly [K in keyof LiveReport]: number }
type Event<T extends SimEvent["_tag"]> = Extract<SimEvent, { _tag: T }>

/** An order as the till sends it; its ids go into the ledger for its follow-ups. */
const placeOrder = (
  client: Client,
  ledger: Ledger,
  report: Report,
  e: Event<"Ordered">
): Effect.Effect<void, unknown> => {
  const customer = ledger.customerFor(e.customer)
  if (customer === undefined) return Effect.fail(`no customer is known for order ${e.ref}`)
  return client.orders
    .create({
      payload: {
        customer_id: CustomerId.make(customer),
        employee_id: EmployeeId.make(e.employee),
        items: e.items.map((l) => ({ product_id: ProductId.make(l.product), quantity: l.quantity })),
        payment_method: e.payment
      },
      headers: {}
    })
    .pipe(
      Effect.tap((o) =>
        Effect.sync(() => {
          ledger.placed(
            e.ref,
            o.order_id,
            o.items.map((i) => i.id)
          )
          report.orders++
        })
      ),
      Effect.asVoid
    )
}

/** A till's correction of an order placed earlier: a line changed or removed, or the order cancelled. */
const correctOrder = (
  client: Client,
  ledger: Ledger,
  e: Event<"ItemChanged" | "ItemRemoved" | "Cancelled">
): Effect.Effect<void, unknown> => {
  const order = ledger.order(e.order)
  if (order === undefined) return Effect.fail(`order ${e.order} was not placed`)
  const id = OrderId.make(order.id)
  if (e._tag === "Cancelled") return Effect.asVoid(client.orders.cancel({ params: { id } }))
  const item = order.items[e.line]
  if (item === undefined) return Effect.fail(`order ${e.order} has no line ${e.line}`)
  const params = { id, item_id: OrderItemId.make(item) }
  return e._tag === "ItemChanged"
    ? Effect.asVoid(client.orders.changeItem({ params, payload: { quantity: e.quantity } }))
    : Effect.asVoid(client.orders.removeItem({ params }))
}

/** Each simulated event as its API request. */
const sender =
  (client: Client, ledger: Ledger, report: Report) =>
  (e: SimEvent): Effect.Effect<void, unknown> => {
    switch (e._tag) {
      case "SignedUp":
        // Get-or-create: an email already registered answers with that customer.
        return client.customers
          .create({ payload: { name: e.name, email: e.email } })
          .pipe(Effect.map((c) => ledger.signedUp(e.email, c.id, true)))
      case "Ordered":
        return placeOrder(client, ledger, report, e)
      case "ItemChanged":
      case "ItemRemoved":
      case "Cancelled":
        return correctOrder(client, ledger, e)
      case "Received":
        return Effect.asVoid(
          client.stock.received({ params: { id: ProductId.make(e.product) }, payload: { quantity: e.quantity } })
        )
      case "Wasted":
        return Effect.asVoid(
          client.stock.wasted({ params: { id: ProductId.make(e.product) }, payload: { quantity: e.quantity } })
        )
    }
  }

/**
 * Sends the simulation through the real HTTP API, event by event, at the
 * simulated pace (`speed` times real time): sign-ups, orders, their edits and
 * cancellations, deliveries and waste. The API stamps them with its own clock,
 * so live activity is always "now". A refused request is logged and counted,
 * and the run goes on (its follow-ups are dropped).
 */
export const runLive = Effect.fn("Simulation.live")(function* (options: LiveOptions) {
  const client = yield* make({ baseUrl: options.baseUrl, token: options.token })
  const first = yield* readWorld(client).pipe(
    Effect.retry({
      schedule: Schedule.spaced("250 millis"),
      times: Math.ceil((options.waitForApi ?? 0) / 250)
    })
  )
  const ledger = makeLedger(first.customers)
  const realStart = yield* Clock.currentTimeMillis
  const report: Report = { sent: 0, refused: 0, orders: 0 }
  let world = first.world

  const send = sender(client, ledger, report)

  for (let day = dayOf(options.from); options.until === undefined || day * DAY < options.until; day++) {
    if (day > dayOf(options.from)) {
      // Staff and menu may have changed since yesterday; if the API cannot say, yesterday's hold.
      world = yield* readWorld(client).pipe(
        Effect.map((w) => w.world),
        Effect.catch(() => Effect.succeed(world))
      )
    }
    const window = {
      from: Math.max(options.from, day * DAY),
      to: Math.min(options.until ?? Number.POSITIVE_INFINITY, (day + 1) * DAY)
    }
    for (const e of simulate(options.seed, world, window).events) {
      if (Number.isFinite(options.speed)) {
        const due = realStart + (e.at - options.from) / options.speed
        const now = yield* Clock.currentTimeMillis
        if (due > now) yield* Effect.sleep(due - now)
      }
      yield* send(e).pipe(
        Effect.map(() => report.sent++),
        Effect.catch((error) => {
          report.refused++
          return Effect.logWarning(
            `Simulated ${e._tag} at ${new Date(e.at).toISOString()} was not written: ${describe(error)}`
          )
        })
      )
    }
    ledger.forgetOrders()
  }
  return report satisfies LiveReport
})

const describe = (error: unknown) =>
  typeof error === "string"
    ? error
    : typeof error === "object" && error !== null && "message" in error
      ? String((error as { message: unknown }).message)
      : String(error)
