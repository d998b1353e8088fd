import type { PgClient } from "@effect/sql-pg"
import { Effect } from "effect"

/**
 * A small hand-computed shop, written straight into the star schema (and, for
 * the reconciliation, into OLTP). Six orders:
 *
 * | order | customer | employee | time (UTC)       | items                                   | total |
 * |-------|----------|----------|------------------|-----------------------------------------|-------|
 * | 5     | 3        | 2        | 2025-11-03 09:10 | Croissant ×1 @2.50                      |  2.50 |
 * | 6     | 3        | 2        | 2026-01-05 10:00 | Croissant ×2 @2.50                      |  5.00 |
 * | 1     | 1        | 1        | 2026-03-02 08:15 | Latte ×2 @3.00 (old price), Croissant ×1 |  8.50 |
 * | 2     | 2        | 2        | 2026-03-02 08:40 | Croissant ×2 @2.50                      |  5.00 |
 * | 3     | 1        | 1        | 2026-03-03 12:05 | Latte ×1 @3.50                          |  3.50 |
 * | 4     | 2        | 1        | 2026-03-05 12:30 | Latte ×3 @3.50                          | 10.50 |
 */
export const SALES = [
  // order_item_id, order_id, customer, employee, product_id, product_dim_id, quantity, price, time
  [1, 1, 1, 1, 1, 1, 2, "3.00", "2026-03-02 08:15:00+00"],
  [2, 1, 1, 1, 2, 3, 1, "2.50", "2026-03-02 08:15:00+00"],
  [3, 2, 2, 2, 2, 3, 2, "2.50", "2026-03-02 08:40:00+00"],
  [4, 3, 1, 1, 1, 2, 1, "3.50", "2026-03-03 12:05:00+00"],
  [5, 4, 2, 1, 1, 2, 3, "3.50", "2026-03-05 12:30:00+00"],
  [6, 5, 3, 2, 2, 3, 1, "2.50", "2025-11-03 09:10:00+00"],
  [7, 6, 3, 2, 2, 3, 2, "2.50", "2026-01-05 10:00:00+00"]
] as const

export const PAYMENTS = [
  // payment_id, order_id, customer, method, amount, time
  [1, 1, 1, "card", "8.50", "2026-03-02 08:16:00+00"],
  [2, 2, 2, "cash", "5.00", "2026-03-02 08:41:00+00"],
  [3, 3, 1, "card", "3.50", "2026-03-03 12:06:00+00"],
  [4, 4, 2, "mobile", "10.50", "2026-03-05 12:31:00+00"],
  [5, 5, 3, "cash", "2.50", "2025-11-03 09:11:00+00"],
  [6, 6, 3, "card", "5.00", "2026-01-05 10:01:00+00"]
] as const

export const seedStar = (sql: PgClient.PgClient) =>
  Effect.gen(function* () {
    for (const t of ["fact_sales", "fact_payments", "fact_inventory", "dim_customer", "dim_employee", "dim_product"]) {
      yield* sql`TRUNCATE ${sql(t)} RESTART IDENTITY CASCADE`
    }
    yield* sql`INSERT INTO dim_customer (id, customer_id, name, email, updated_at) OVERRIDING SYSTEM VALUE VALUES
      (1, 1, 'Ada', 'ada@example.com', now()), (2, 2, 'Ben', 'ben@example.com', now()), (3, 3, 'Cleo', 'cleo@example.com', now())`
    yield* sql`INSERT INTO dim_employee (id, employee_id, name, role, active, updated_at) OVERRIDING SYSTEM VALUE VALUES
      (1, 1, 'Eve', 'barista', true, now()), (2, 2, 'Finn', 'cashier', true, now())`
    yield* sql`INSERT INTO dim_product (id, product_id, name, price, category, size, active, valid_from, valid_to, is_current)
      OVERRIDING SYSTEM VALUE VALUES
      (1, 1, 'Latte', 3.00, 'coffee', 'medium', true, '2025-01-01', '2026-03-03', false),
      (2, 1, 'Latte', 3.50, 'coffee', 'medium', true, '2026-03-03', 'infinity', true),
      (3, 2, 'Croissant', 2.50, 'pastry', 'regular', true, '2025-01-01', 'infinity', true)`
    for (const [item, order, customer, employee, product, productDim, quantity, price, time] of SALES) {
      yield* sql`INSERT INTO fact_sales (order_item_id, order_id, date_id, time_of_day_id, customer_dim_id, product_dim_id,
          employee_dim_id, product_id, quantity, price, total, order_time, order_status)
        VALUES (${item}, ${order}, to_char(${time}::timestamptz AT TIME ZONE 'UTC', 'YYYYMMDD')::int,
          extract(hour FROM ${time}::timestamptz AT TIME ZONE 'UTC')::smallint, ${customer}, ${productDim}, ${employee},
          ${product}, ${quantity}, ${price}::numeric, ${quantity} * ${price}::numeric, ${time}::timestamptz, 'completed')`
    }
    for (const [payment, order, customer, method, amount, time] of PAYMENTS) {
      yield* sql`INSERT INTO fact_payments (payment_id, order_id, customer_dim_id, payment_amount, payment_method,
          payment_status, date_id, recorded_at)
        VALUES (${payment}, ${order}, ${customer}, ${amount}::numeric, ${method}, 'paid',
          to_char(${time}::timestamptz AT TIME ZONE 'UTC', 'YYYYMMDD')::int, ${time}::timestamptz)`
    }
    // Latte: 20 received on 03-01, then the sales above, one wasted on 03-05.
    yield* sql`INSERT INTO fact_inventory (product_id, product_dim_id, date_id, quantity_sold, quantity_received,
        quantity_wasted, quantity_on_hand) VALUES
      (1, 1, 20260301, 0, 20, 0, 20), (1, 1, 20260302, 2, 0, 0, 18), (1, 2, 20260303, 1, 0, 0, 17),
      (1, 2, 20260305, 3, 0, 1, 13),
      (2, 3, 20251103, 1, 10, 0, 9), (2, 3, 20260105, 2, 0, 0, 7), (2, 3, 20260302, 3, 0, 0, 4)`
  })
