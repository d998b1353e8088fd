import { type ChangeEvent, ChangeRows, ChangeTable } from "@brewlytics/domain/Changes.ts"
import { Result, Schema } from "effect"
import type { ChangeBatch, DeadLetter, LoadPlan } from "./Types.ts"

type Tables = Omit<LoadPlan, "from" | "to" | "events" | "deadLetters">
type Mutable<T> = { -readonly [K in keyof T]: Array<T[K] extends ReadonlyArray<infer A> ? A : never> }

const decoders = {
  customers: Schema.decodeUnknownResult(ChangeRows.customers),
  employees: Schema.decodeUnknownResult(ChangeRows.employees),
  products: Schema.decodeUnknownResult(ChangeRows.products),
  orders: Schema.decodeUnknownResult(ChangeRows.orders),
  order_items: Schema.decodeUnknownResult(ChangeRows.order_items),
  payments: Schema.decodeUnknownResult(ChangeRows.payments),
  stock_movements: Schema.decodeUnknownResult(ChangeRows.stock_movements)
} as Record<ChangeTable, (row: unknown) => Result.Result<unknown, Schema.SchemaError>>

const isTable = Schema.is(ChangeTable)

/** Product attributes whose change starts a new `dim_product` version. */
const versionKey = (p: typeof ChangeRows.products.Type) =>
  `${p.name}\u0000${p.price}\u0000${p.category}\u0000${p.size}\u0000${p.active}`

/**
 * Folds a batch into what the load applies. A row's latest state is its last
 * change in change-log id order (not xid order: a transaction with a lower xid
 * can change the row last). Products keep every distinct version (SCD2). A
 * change that cannot be read — unknown table, missing id, a value outside its
 * schema — becomes a dead letter with the reason; the rest of the batch goes on.
 */
export const transform = (batch: ChangeBatch): LoadPlan => {
  const deadLetters: Array<DeadLetter> = []
  // Events arrive in id order, so the last one per key wins.
  const latest = new Map<string, ChangeEvent>()
  const productEvents: Array<ChangeEvent> = []
  for (const event of batch.events) {
    const row = event.after ?? event.before
    const id = row?.id
    if (!isTable(event.table)) {
      deadLetters.push(dead(event, `table ${JSON.stringify(event.table)} is not one the pipeline loads`))
    } else if (typeof id !== "number" || !Number.isSafeInteger(id)) {
      deadLetters.push(dead(event, `the row has no whole-number id (got ${JSON.stringify(id)})`))
    } else if (event.table === "products") {
      productEvents.push(event)
    } else {
      latest.set(`${event.table}:${id}`, event)
    }
  }
  /** An empty list for each table the star loads. */
  const perTable = () => ({
    customers: [],
    employees: [],
    products: [],
    orders: [],
    order_items: [],
    payments: [],
    stock_movements: []
  })
  const tables: Mutable<{ [K in keyof Tables]: Tables[K]["upserts"] }> & {
    deletes: Mutable<{ [K in keyof Tables]: Tables[K]["deletes"] }>
  } = { ...perTable(), deletes: perTable() }
  const lastVersion = new Map<number, string>()
  for (const event of [...latest.values(), ...productEvents]) {
    const table = event.table as ChangeTable
    if (event.after === null) {
      tables.deletes[table].push({ change: event.id, changedAt: event.changedAt, id: event.before!.id as number })
      if (table === "products") lastVersion.delete(event.before!.id as number)
      continue
    }
    const decoded = decoders[table](event.after)
    if (Result.isFailure(decoded)) {
      deadLetters.push(dead(event, `${table} row does not match its schema: ${decoded.failure.message}`))
      continue
    }
    const row = decoded.success
    if (table === "products") {
      // Consecutive identical versions (a touch of updated_at, say) are one version.
      const p = row as typeof ChangeRows.products.Type
      const key = versionKey(p)
      if (lastVersion.get(p.id) === key) continue
      lastVersion.set(p.id, key)
    }
    ;(tables[table] as Array<unknown>).push({ change: event.id, op: event.op, changedAt: event.changedAt, row })
  }
  const pick = <K extends keyof Tables>(k: K) =>
    ({ upserts: tables[k], deletes: tables.deletes[k] }) as unknown as Tables[K]
  return {
    from: batch.from,
    to: batch.to,
    events: batch.events.length,
    customers: pick("customers"),
    employees: pick("employees"),
    products: pick("products"),
    orders: pick("orders"),
    order_items: pick("order_items"),
    payments: pick("payments"),
    stock_movements: pick("stock_movements"),
    deadLetters
  }
}

const dead = (event: ChangeEvent, reason: string): DeadLetter => ({
  change: event.id,
  table: event.table,
  op: event.op,
  reason,
  payload: event.after ?? event.before
})
