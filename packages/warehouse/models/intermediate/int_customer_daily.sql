-- Per customer and day: what the monthly rollup is recomputed from, so a
-- top-up reads a few days of sales rather than a whole month of them.
SELECT customer_dim_id, date_id,
       count(DISTINCT order_id)::int AS orders,
       sum(quantity)::int AS units,
       sum(total) AS revenue
FROM {{ref "stg_sales"}}
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
GROUP BY customer_dim_id, date_id
