import { OlapSql } from "@brewlytics/db/Databases.ts"
import { int4Array, int8Array } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import type { Fragment } from "effect/sql/Statement"
import type { Sql } from "./Sql.ts"

/**
 * What a statement changed on one product-day (the grain of `fact_inventory`):
 * units sold, received and wasted, after minus before. Each statement that
 * touches movements or sales returns its rows' deltas, and the sums are
 * applied at the end of the load.
 */
export interface DayDelta {
  readonly product_id: string
  readonly date_id: number
  readonly sold: number
  readonly received: number
  readonly wasted: number
}

/** Per product-day, `sign` × what the movements in `rows` (a relation of raw_stock_movements' columns) count. */
export const movementDeltas = (sql: Sql, sign: "+" | "-", rows: Fragment) =>
  sql`SELECT product_id, date_id,
            ${sql.literal(sign)} CASE WHEN kind = 'sold' AND order_id IS NULL THEN quantity ELSE 0 END AS sold,
            ${sql.literal(sign)} CASE WHEN kind = 'received' THEN quantity ELSE 0 END AS received,
            ${sql.literal(sign)} CASE WHEN kind = 'wasted' THEN quantity ELSE 0 END AS wasted
          FROM ${rows}`

/** The sums of a union of `movementDeltas`/fact deltas per product-day, the unchanged ones left out. */
export const summed = (sql: Sql, rows: Fragment) =>
  sql`SELECT product_id::text, date_id, sum(sold)::int AS sold, sum(received)::int AS received, sum(wasted)::int AS wasted
          FROM (${rows}) x GROUP BY product_id, date_id
          HAVING sum(sold) <> 0 OR sum(received) <> 0 OR sum(wasted) <> 0`

/** The deltas summed per product-day, those that cancel out left out. */
const sumDeltas = (deltas: ReadonlyArray<DayDelta>): ReadonlyArray<DayDelta> => {
  const sums = new Map<string, { -readonly [K in keyof DayDelta]: DayDelta[K] }>()
  for (const d of deltas) {
    const key = `${d.product_id}:${d.date_id}`
    const sum = sums.get(key) ?? { product_id: d.product_id, date_id: d.date_id, sold: 0, received: 0, wasted: 0 }
    sum.sold += d.sold
    sum.received += d.received
    sum.wasted += d.wasted
    sums.set(key, sum)
  }
  return [...sums.values()].filter((d) => d.sold !== 0 || d.received !== 0 || d.wasted !== 0)
}

/**
 * Adds the batch's changes to `fact_inventory`: the deltas summed per
 * product-day, a row made for a new one and dropped when nothing is left on it,
 * then the running on-hand total of the products concerned. Each delta is its
 * statement's after minus before, so the rows stay equal to a recount of the
 * facts and movements (sold: order items of live orders plus sales without an
 * order) at a cost that follows the batch, not the day's volume.
 */
export const applyInventory = Effect.fn("cdc.applyInventory")(function* (deltas: ReadonlyArray<DayDelta>) {
  const keys = sumDeltas(deltas)
  if (keys.length === 0) return
  const sql = yield* OlapSql
  const products = [...new Set(keys.map((d) => d.product_id))].map(BigInt)
  yield* sql`
    INSERT INTO fact_inventory (product_id, product_dim_id, date_id, quantity_sold, quantity_received, quantity_wasted)
    SELECT d.product_id,
           coalesce(
             (SELECT p.id FROM dim_product p WHERE p.product_id = d.product_id AND p.valid_from < dd.date + 1
              ORDER BY p.valid_from DESC LIMIT 1),
             (SELECT p.id FROM dim_product p WHERE p.product_id = d.product_id ORDER BY p.valid_from LIMIT 1)),
           d.date_id, d.sold, d.received, d.wasted
    FROM unnest(${int8Array(keys.map((d) => BigInt(d.product_id)))}::int8[], ${int4Array(keys.map((d) => d.date_id))}::int4[],
           ${int4Array(keys.map((d) => d.sold))}::int4[], ${int4Array(keys.map((d) => d.received))}::int4[], ${int4Array(keys.map((d) => d.wasted))}::int4[])
           AS d(product_id, date_id, sold, received, wasted)
    JOIN dim_date dd ON dd.id = d.date_id
    ON CONFLICT (product_id, date_id) DO UPDATE
    SET quantity_sold = fact_inventory.quantity_sold + EXCLUDED.quantity_sold,
        quantity_received = fact_inventory.quantity_received + EXCLUDED.quantity_received,
        quantity_wasted = fact_inventory.quantity_wasted + EXCLUDED.quantity_wasted, recorded_at = now()`
  yield* sql`
    WITH gone AS (
      DELETE FROM fact_inventory
      WHERE product_id = ANY(${int8Array(products)}::int8[]) AND quantity_sold = 0 AND quantity_received = 0 AND quantity_wasted = 0
      RETURNING id
    )
    UPDATE fact_inventory f SET quantity_on_hand = x.on_hand
    FROM (
      SELECT id, sum(quantity_received - quantity_sold - quantity_wasted) OVER (PARTITION BY product_id ORDER BY date_id) AS on_hand
      FROM fact_inventory WHERE product_id = ANY(${int8Array(products)}::int8[]) AND id NOT IN (SELECT id FROM gone)
    ) x
    WHERE f.id = x.id AND f.quantity_on_hand IS DISTINCT FROM x.on_hand`
})
