-- Per customer and calendar month: the RFM segments read this (customers × months)
-- instead of every sale.
SELECT customer_dim_id,
       date_trunc('month', to_date(date_id::text, 'YYYYMMDD'))::date AS month_start,
       sum(orders)::int AS orders,
       sum(units)::int AS units,
       sum(revenue) AS revenue,
       min(to_date(date_id::text, 'YYYYMMDD')) AS first_order_date,
       max(to_date(date_id::text, 'YYYYMMDD')) AS last_order_date
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
