import { OlapSql } from "@brewlytics/db/Databases.ts"
import { boolArray, textArray } from "@brewlytics/db/SqlArrays.ts"
import { Effect } from "effect"
import type { LoadPlan } from "../Types.ts"
import { int8, money } from "./Sql.ts"

/** Customers and employees: type 1 dimensions, updated in place; a delete stamps `deleted_at`. */
export const loadPeople = Effect.fn("cdc.load.people")(function* (plan: LoadPlan) {
  const sql = yield* OlapSql
  const c = plan.customers.upserts
  if (c.length > 0) {
    yield* sql`
        INSERT INTO dim_customer (customer_id, name, email, updated_at)
        SELECT * FROM unnest(${int8(c.map((x) => x.row.id))}::int8[], ${textArray(c.map((x) => x.row.name))}::text[],
          ${textArray(c.map((x) => x.row.email))}::text[], ${textArray(c.map((x) => x.row.updated_at))}::timestamptz[])
        ON CONFLICT (customer_id) DO UPDATE
        SET name = EXCLUDED.name, email = EXCLUDED.email, updated_at = EXCLUDED.updated_at, deleted_at = NULL`
  }
  const cd = plan.customers.deletes
  if (cd.length > 0) {
    yield* sql`
        UPDATE dim_customer SET deleted_at = d.at
        FROM unnest(${int8(cd.map((x) => x.id))}::int8[], ${textArray(cd.map((x) => x.changedAt))}::timestamptz[]) AS d(id, at)
        WHERE customer_id = d.id`
  }
  const e = plan.employees.upserts
  if (e.length > 0) {
    yield* sql`
        INSERT INTO dim_employee (employee_id, name, role, active, updated_at)
        SELECT * FROM unnest(${int8(e.map((x) => x.row.id))}::int8[], ${textArray(e.map((x) => x.row.name))}::text[],
          ${textArray(e.map((x) => x.row.role))}::text[], ${boolArray(e.map((x) => x.row.active))}::bool[],
          ${textArray(e.map((x) => x.row.updated_at))}::timestamptz[])
        ON CONFLICT (employee_id) DO UPDATE
        SET name = EXCLUDED.name, role = EXCLUDED.role, active = EXCLUDED.active,
            updated_at = EXCLUDED.updated_at, deleted_at = NULL`
  }
  const ed = plan.employees.deletes
  if (ed.length > 0) {
    yield* sql`
        UPDATE dim_employee SET deleted_at = d.at
        FROM unnest(${int8(ed.map((x) => x.id))}::int8[], ${textArray(ed.map((x) => x.changedAt))}::timestamptz[]) AS d(id, at)
        WHERE employee_id = d.id`
  }
})

/**
 * Products: type 2. Each version starts when its change happened; the first
 * of a batch is skipped when it equals the current version.
 */
export const loadProducts = Effect.fn("cdc.load.products")(function* (plan: LoadPlan) {
  const p = plan.products.upserts
  const pd = plan.products.deletes
  if (p.length === 0 && pd.length === 0) return
  const sql = yield* OlapSql
  const touched = int8([...new Set([...p.map((x) => x.row.id), ...pd.map((x) => x.id)])])
  if (p.length > 0) {
    yield* sql`
          WITH v AS (
            SELECT * FROM unnest(${int8(p.map((x) => x.change))}::int8[], ${int8(p.map((x) => x.row.id))}::int8[],
              ${textArray(p.map((x) => x.row.name))}::text[], ${money(p.map((x) => x.row.price))}::numeric[],
              ${textArray(p.map((x) => x.row.category))}::text[], ${textArray(p.map((x) => x.row.size))}::text[],
              ${boolArray(p.map((x) => x.row.active))}::bool[], ${textArray(p.map((x) => x.changedAt))}::timestamptz[])
              AS v(change_id, product_id, name, price, category, size, active, valid_from)
          ),
          first AS (SELECT DISTINCT ON (product_id) change_id FROM v ORDER BY product_id, change_id)
          INSERT INTO dim_product (product_id, name, price, category, size, active, valid_from)
          SELECT v.product_id, v.name, v.price, v.category, v.size, v.active, v.valid_from
          FROM v
          WHERE NOT EXISTS (
            SELECT 1 FROM first JOIN dim_product cur ON cur.product_id = v.product_id AND cur.is_current
            WHERE first.change_id = v.change_id
              AND (cur.name, cur.price, cur.category, cur.size, cur.active) = (v.name, v.price, v.category, v.size, v.active))
          ORDER BY v.change_id
          ON CONFLICT (product_id, valid_from) DO NOTHING`
  }
  // Validity from the version order; the unique "one current" index is
  // per row, so clear the flags before setting the new ones.
  yield* sql`UPDATE dim_product SET is_current = false WHERE product_id = ANY(${touched}::int8[]) AND is_current`
  yield* sql`
        UPDATE dim_product d SET valid_to = x.valid_to, is_current = x.is_last
        FROM (
          SELECT id, coalesce(lead(valid_from) OVER w, 'infinity') AS valid_to, lead(valid_from) OVER w IS NULL AS is_last
          FROM dim_product WHERE product_id = ANY(${touched}::int8[])
          WINDOW w AS (PARTITION BY product_id ORDER BY valid_from, id)
        ) x
        WHERE d.id = x.id`
  if (pd.length > 0) {
    yield* sql`
          UPDATE dim_product SET valid_to = greatest(valid_from, d.at), is_current = false
          FROM unnest(${int8(pd.map((x) => x.id))}::int8[], ${textArray(pd.map((x) => x.changedAt))}::timestamptz[]) AS d(id, at)
          WHERE product_id = d.id AND is_current`
  }
})
