import { OltpSql } from "@brewlytics/db/Databases.ts"
import { int4Array, int8Array, textArray } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import type { HistoryReport } from "./Bulk.ts"
import type { Ledger } from "./Ledger.ts"
import type { SimEvent } from "./Model.ts"

/** One simulated day written into OLTP, stage by stage, in the order the API would have written it. */

export type Totals = { -readonly [K in keyof HistoryReport]: number }

type Event<T extends SimEvent["_tag"]> = Extract<SimEvent, { _tag: T }>
type Customers = ReadonlyMap<string, { readonly id: number; readonly created: boolean }>
type Placed = ReadonlyArray<{ readonly event: Event<"Ordered">; readonly customer: number }>

export const iso = (at: number) => new Date(at).toISOString()

const eventsOf =
  (events: ReadonlyArray<SimEvent>) =>
  <T extends SimEvent["_tag"]>(tag: T) =>
    events.filter((e): e is Event<T> => e._tag === tag)

/** Sign-ups first: the customers' ids come in event order, as the API would hand them out. */
const writeSignups = Effect.fn("Bulk.writeSignups")(function* (
  signups: ReadonlyArray<Event<"SignedUp">>,
  totals: Totals
) {
  const sql = yield* OltpSql
  const customerOf = new Map<string, { readonly id: number; readonly created: boolean }>()
  if (signups.length > 0) {
    const rows = yield* sql<{ id: number; email: string }>`
        INSERT INTO customers (name, email, created_at, updated_at)
        SELECT s.name, s.email, s.at, s.at
        FROM unnest(${textArray(signups.map((s) => s.name))}::text[], ${textArray(signups.map((s) => s.email))}::text[],
                    ${textArray(signups.map((s) => iso(s.at)))}::timestamptz[]) WITH ORDINALITY AS s(name, email, at, ord)
        ORDER BY s.ord
        ON CONFLICT (email) DO NOTHING
        RETURNING id::int AS id, email`
    for (const r of rows) customerOf.set(r.email, { id: r.id, created: true })
    const taken = signups.filter((s) => !customerOf.has(s.email)).map((s) => s.email)
    const existing =
      taken.length === 0
        ? []
        : yield* sql<{ id: number; email: string }>`
              SELECT id::int AS id, email FROM customers WHERE email = ANY(${textArray(taken)}::text[])`
    for (const r of existing) customerOf.set(r.email, { id: r.id, created: false })
    totals.signups += rows.length
  }
  return customerOf
})

/** Deliveries and waste. */
const writeMoves = Effect.fn("Bulk.writeMoves")(function* (
  list: ReadonlyArray<Event<"Received" | "Wasted">>,
  totals: Totals
) {
  const sql = yield* OltpSql
  if (list.length === 0) return
  yield* sql`
        INSERT INTO stock_movements (product_id, kind, quantity, moved_at)
        SELECT p.id, m.kind, m.quantity, m.at
        FROM unnest(${int8Array(list.map((m) => m.product))}::int8[], ${textArray(list.map((m) => (m._tag === "Received" ? "received" : "wasted")))}::text[],
                    ${int4Array(list.map((m) => m.quantity))}::int[], ${textArray(list.map((m) => iso(m.at)))}::timestamptz[])
             WITH ORDINALITY AS m(product_id, kind, quantity, at, ord)
        JOIN products p ON p.id = m.product_id
        ORDER BY m.ord`
  totals.stockMovements += list.length
})

/** The orders' customers, resolved in event order (a sign-up makes its customer known to the orders after it). */
const resolveOrders = (events: ReadonlyArray<SimEvent>, customerOf: Customers, ledger: Ledger, totals: Totals) => {
  const placed: Array<{ readonly event: Event<"Ordered">; readonly customer: number }> = []
  for (const e of events) {
    if (e._tag === "SignedUp") {
      const customer = customerOf.get(e.email)
      if (customer !== undefined) ledger.signedUp(e.email, customer.id, customer.created)
    } else if (e._tag === "Ordered") {
      const customer = ledger.customerFor(e.customer)
      if (customer === undefined) totals.skipped++
      else placed.push({ event: e, customer })
    }
  }
  return placed
}

/**
 * The orders, their items, payments and 'sold' movements in one statement that writes its own change-log rows, as
 * the API's order statement (OLTP V6) does; ids drawn from the sequence in event order.
 */
const writeOrders = Effect.fn("Bulk.writeOrders")(function* (placed: Placed, ledger: Ledger, totals: Totals) {
  const sql = yield* OltpSql
  if (placed.length === 0) return
  const ids = (yield* sql<{ id: number }>`
      SELECT nextval(pg_get_serial_sequence('orders', 'id'))::int8 AS id FROM generate_series(1, ${placed.length})`)
    .map((r) => Number(r.id))
    .sort((a, b) => a - b)
  const lines = placed.flatMap((p, i) => p.event.items.map((l) => ({ order: ids[i]!, ...l })))
  const [result] = yield* sql<{ items: ReadonlyArray<{ order_id: number; id: number }> | null }>`
      WITH o AS (
        SELECT * FROM unnest(${int8Array(ids)}::int8[], ${int8Array(placed.map((p) => p.customer))}::int8[],
                             ${int8Array(placed.map((p) => p.event.employee))}::int8[],
                             ${textArray(placed.map((p) => iso(p.event.at)))}::timestamptz[],
                             ${textArray(placed.map((p) => p.event.payment))}::text[])
          AS o(id, customer_id, employee_id, at, method)
      ),
      l AS (
        SELECT l.order_id, l.product_id, l.quantity, l.ord, p.price
        FROM unnest(${int8Array(lines.map((l) => l.order))}::int8[], ${int8Array(lines.map((l) => l.product))}::int8[],
                    ${int4Array(lines.map((l) => l.quantity))}::int[]) WITH ORDINALITY AS l(order_id, product_id, quantity, ord)
        JOIN products p ON p.id = l.product_id
      ),
      mark AS MATERIALIZED (
        SELECT set_config('brewlytics.self_captured', statement_timestamp()::text, true) AS self_captured
      ),
      new_order AS (
        INSERT INTO orders (id, customer_id, employee_id, order_time, updated_at) OVERRIDING SYSTEM VALUE
        SELECT o.id, o.customer_id, o.employee_id, o.at, o.at FROM o CROSS JOIN mark ORDER BY o.id
        RETURNING *
      ),
      new_items AS (
        INSERT INTO order_items (order_id, product_id, quantity, unit_price)
        SELECT n.id, l.product_id, l.quantity, l.price FROM new_order n JOIN l ON l.order_id = n.id ORDER BY l.ord
        RETURNING *
      ),
      new_payment AS (
        INSERT INTO payments (order_id, method, amount, paid_at)
        SELECT n.id, o.method, t.total, o.at
        FROM new_order n JOIN o ON o.id = n.id
        JOIN (SELECT order_id, sum(price * quantity) AS total FROM l GROUP BY order_id) t ON t.order_id = n.id
        ORDER BY n.id
        RETURNING *
      ),
      new_stock AS (
        INSERT INTO stock_movements (product_id, kind, quantity, order_id, moved_at)
        SELECT l.product_id, 'sold', l.quantity, n.id, n.order_time FROM new_order n JOIN l ON l.order_id = n.id
        ORDER BY l.ord
        RETURNING *
      ),
      captured AS (
        INSERT INTO change_log (table_name, op, row_after)
        SELECT c.t, 'INSERT', c.r FROM (
          SELECT 'orders' AS t, to_jsonb(x) AS r, x.id AS o, 0 AS k, 0::int8 AS i FROM new_order x
          UNION ALL SELECT 'order_items', to_jsonb(x), x.order_id, 1, x.id FROM new_items x
          UNION ALL SELECT 'payments', to_jsonb(x), x.order_id, 2, x.id FROM new_payment x
          UNION ALL SELECT 'stock_movements', to_jsonb(x), x.order_id, 3, x.id FROM new_stock x
        ) c ORDER BY c.o, c.k, c.i
        RETURNING id
      ),
      woken AS (
        SELECT pg_notify('brewlytics_changes', '') FROM change_log_wakeup
        WHERE armed AND EXISTS (SELECT 1 FROM captured)
      )
      SELECT (SELECT json_agg(json_build_object('order_id', i.order_id, 'id', i.id) ORDER BY i.id) FROM new_items i) AS items,
             (SELECT count(*) FROM woken) AS woken`
  const items = new Map<number, Array<number>>()
  for (const i of result?.items ?? []) items.set(i.order_id, [...(items.get(i.order_id) ?? []), i.id])
  for (const [k, p] of placed.entries()) ledger.placed(p.event.ref, ids[k]!, items.get(ids[k]!) ?? [])
  totals.orders += placed.length
})

/** The till's corrections, each order's as the API makes them: its line, then its payment. */
const writeCorrections = Effect.fn("Bulk.writeCorrections")(function* (
  events: ReadonlyArray<SimEvent>,
  ledger: Ledger,
  totals: Totals
) {
  const sql = yield* OltpSql
  const of = eventsOf(events)
  const itemOf = (order: string, line: number) => ledger.order(order)?.items[line]
  const changed = of("ItemChanged").flatMap((e) => {
    const item = itemOf(e.order, e.line)
    return item === undefined ? [] : [{ order: ledger.order(e.order)!.id, item, quantity: e.quantity }]
  })
  const removed = of("ItemRemoved").flatMap((e) => {
    const order = ledger.order(e.order)
    const item = itemOf(e.order, e.line)
    return order === undefined || item === undefined || order.items.length < 2 ? [] : [{ order: order.id, item }]
  })
  const cancelled = of("Cancelled").flatMap((e) => {
    const order = ledger.order(e.order)
    return order === undefined ? [] : [{ order: order.id, at: e.at }]
  })
  if (changed.length > 0) {
    yield* sql`
        UPDATE order_items i SET quantity = c.quantity
        FROM unnest(${int8Array(changed.map((c) => c.item))}::int8[], ${int4Array(changed.map((c) => c.quantity))}::int[]) AS c(id, quantity)
        WHERE i.id = c.id`
  }
  if (removed.length > 0) {
    yield* sql`DELETE FROM order_items WHERE id = ANY(${int8Array(removed.map((r) => r.item))}::int8[])`
  }
  const repaid = [...changed.map((c) => c.order), ...removed.map((r) => r.order)]
  if (repaid.length > 0) {
    yield* sql`
        UPDATE payments SET amount = (SELECT COALESCE(sum(quantity * unit_price), 0) FROM order_items i WHERE i.order_id = payments.order_id)
        WHERE order_id = ANY(${int8Array(repaid)}::int8[])`
  }
  if (cancelled.length > 0) {
    yield* sql`
        UPDATE orders o SET status = 'cancelled', updated_at = c.at
        FROM unnest(${int8Array(cancelled.map((c) => c.order))}::int8[], ${textArray(cancelled.map((c) => iso(c.at)))}::timestamptz[]) AS c(id, at)
        WHERE o.id = c.id AND o.status <> 'cancelled'`
    yield* sql`
        UPDATE payments SET status = 'refunded'
        WHERE order_id = ANY(${int8Array(cancelled.map((c) => c.order))}::int8[]) AND status = 'paid'`
  }
  totals.followUps += changed.length + removed.length + cancelled.length
})

/** A day's events, as the API would have written them; the caller runs it in one transaction. */
export const writeDay = Effect.fn("Bulk.writeDay")(function* (
  events: ReadonlyArray<SimEvent>,
  ledger: Ledger,
  totals: Totals
) {
  const of = eventsOf(events)
  const customerOf = yield* writeSignups(of("SignedUp"), totals)
  const stock = events.filter((e) => e._tag === "Received" || e._tag === "Wasted")
  const firstOrder = of("Ordered")[0]?.at ?? Number.POSITIVE_INFINITY
  // Movements before the first order (deliveries) take their ids before the orders' 'sold' ones, the rest after.
  yield* writeMoves(
    stock.filter((m) => m.at <= firstOrder),
    totals
  )
  yield* writeOrders(resolveOrders(events, customerOf, ledger, totals), ledger, totals)
  yield* writeCorrections(events, ledger, totals)
  yield* writeMoves(
    stock.filter((m) => m.at > firstOrder),
    totals
  )
})
