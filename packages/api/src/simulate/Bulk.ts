import { OltpSql } from "@brewlytics/db/Databases.ts"
import { Effect, Schema } from "effect"
import { DAY, dayOf } from "./Calendar.ts"
import { iso, type Totals, writeDay } from "./DayWrites.ts"
import { makeLedger } from "./Ledger.ts"
import { type Category, simulate, type World } from "./Model.ts"

export class SimulationError extends Schema.TaggedError<SimulationError>()("SimulationError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

export interface HistoryProgress {
  readonly days: number
  readonly totalDays: number
  readonly orders: number
  readonly events: number
}

export interface HistoryReport {
  readonly days: number
  readonly signups: number
  readonly orders: number
  readonly followUps: number
  readonly stockMovements: number
  /** Orders left out because no customer was known to place them. */
  readonly skipped: number
}

const failed = (what: string) => (cause: { readonly message: string }) =>
  new SimulationError({ message: `The simulated history could not be written (${what}): ${cause.message}`, cause })

/** The shop as the simulation sees it: active staff and products, and the customers in id order. */
export const readWorld = Effect.gen(function* () {
  const sql = yield* OltpSql
  const staff = yield* sql<{ id: number }>`SELECT id::int AS id FROM employees WHERE active ORDER BY id`
  const menu = yield* sql<{ id: number; name: string; category: Category }>`
    SELECT id::int AS id, name, category FROM products WHERE active ORDER BY id`
  const customers = yield* sql<{ id: number }>`SELECT id::int AS id FROM customers ORDER BY id`
  return {
    world: { staff: staff.map((s) => s.id), menu } satisfies World,
    customers: customers.map((c) => c.id)
  }
}).pipe(Effect.mapError(failed("reading the shop")))

/**
 * Writes the simulation's events of [from, to) into OLTP, a day per
 * transaction, as the API would have written them at their own times: the
 * same rows (orders, items at the products' prices, payments, 'sold'
 * movements, sign-ups, deliveries, waste, edits, cancellations) and the same
 * change-log events. Orders go in one statement per day that, like the API's
 * order statement (OLTP V6), writes its own change-log rows, in the same order
 * per order; every other write is captured by the triggers, as the API's are.
 * Ids come from the same sequences in event order, so a run over the same
 * database state gives the ids the API would have given.
 */
export const writeHistory = Effect.fn("Simulation.writeHistory")(function* (options: {
  readonly seed: number
  readonly from: number
  readonly to: number
  readonly onProgress?: (progress: HistoryProgress) => Effect.Effect<void>
}) {
  const sql = yield* OltpSql
  const { world, customers } = yield* readWorld
  if (world.staff.length === 0) {
    return yield* new SimulationError({
      message: "No employee is active, so nobody can take an order: activate one with PATCH /employees/{id}."
    })
  }
  if (world.menu.length === 0) {
    return yield* new SimulationError({ message: "No product is on sale: add products (brewlytics seed) first." })
  }
  const ledger = makeLedger(customers)
  const totals: Totals = { days: 0, signups: 0, orders: 0, followUps: 0, stockMovements: 0, skipped: 0 }
  const firstDay = dayOf(options.from)
  const totalDays = dayOf(options.to - 1) - firstDay + 1
  let events = 0
  for (let day = firstDay; day * DAY < options.to; day++) {
    const window = { from: Math.max(options.from, day * DAY), to: Math.min(options.to, (day + 1) * DAY) }
    const { events: today } = simulate(options.seed, world, window)
    yield* sql
      .withTransaction(writeDay(today, ledger, totals))
      .pipe(Effect.mapError(failed(`day ${iso(day * DAY).slice(0, 10)}`)))
    ledger.forgetOrders()
    totals.days++
    events += today.length
    if (options.onProgress) {
      yield* options.onProgress({ days: totals.days, totalDays, orders: totals.orders, events })
    }
  }
  return totals satisfies HistoryReport
})
