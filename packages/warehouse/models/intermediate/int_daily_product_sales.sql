-- Per durable product (not per price version), so a price change does not split its history.
SELECT date_id, product_id,
       count(DISTINCT order_id)::int AS orders,
       sum(quantity)::int AS units,
       sum(total) AS revenue
FROM {{ref "stg_sales"}}
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
GROUP BY date_id, product_id
