-- Per customer and calendar month: the RFM segments read this instead of every sale.
SELECT customer_dim_id,
       date_trunc('month', to_date(date_id::text, 'YYYYMMDD'))::date AS month_start,
       count(DISTINCT order_id)::int AS orders,
       sum(quantity)::int AS units,
       sum(total) AS revenue,
       min(to_date(date_id::text, 'YYYYMMDD')) AS first_order_date,
       max(to_date(date_id::text, 'YYYYMMDD')) AS last_order_date
FROM {{ref "stg_sales"}}
{{#if incremental}}
-- Whole months are recomputed: the month of the newest order built, less three days.
WHERE date_id >= (SELECT coalesce(to_char(date_trunc('month', max(last_order_date) - 3), 'YYYYMMDD')::int, 0) FROM {{self}})
{{/if}}
GROUP BY customer_dim_id, month_start
