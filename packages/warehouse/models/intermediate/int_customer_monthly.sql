-- Per customer and calendar month: the RFM segments read this (customers × months)
-- instead of every sale. The month comes from the date id by arithmetic, and
-- text → date only once per group: to_date on every row was most of a top-up's time.
SELECT customer_dim_id,
       make_date(date_id / 10000, date_id / 100 % 100, 1) AS month_start,
       sum(orders)::int AS orders,
       sum(units)::int AS units,
       sum(revenue_cents) * 0.01 AS revenue,
       to_date(min(date_id)::text, 'YYYYMMDD') AS first_order_date,
       to_date(max(date_id)::text, 'YYYYMMDD') AS last_order_date
FROM {{ref "int_customer_daily"}}
{{#if incremental}}
-- Whole months are recomputed: the month of the oldest changed day (or, without
-- one, that of the newest order built less three days).
{{#if since}}
WHERE date_id >= to_char(date_trunc('month', to_date('{{since}}', 'YYYYMMDD')), 'YYYYMMDD')::int
{{else}}
WHERE date_id >= (SELECT coalesce(to_char(date_trunc('month', max(last_order_date) - 3), 'YYYYMMDD')::int, 0) FROM {{self}})
{{/if}}
{{/if}}
GROUP BY customer_dim_id, month_start
