-- Per customer and day: what the monthly rollup is recomputed from, so a
-- top-up reads a few days of sales rather than a whole month of them, and what
-- the top customers over a date range are summed from (through the covering
-- index on date, customer). Revenue in whole cents: a month of customer-days
-- sums faster as integers than as numeric, and exactly the same.
SELECT customer_dim_id, date_id,
       count(DISTINCT order_id)::int AS orders,
       sum(quantity)::int AS units,
       (sum(total) * 100)::bigint AS revenue_cents
FROM {{ref "stg_sales"}}
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
GROUP BY customer_dim_id, date_id
