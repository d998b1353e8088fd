-- Sales rolled up to the hour and the employee who took them: small enough
-- (days × open hours × staff) for every time and staff mart to read quickly.
-- An order has one time and one employee, so its count adds up across both.
SELECT date_id, hour, employee_dim_id,
       count(DISTINCT order_id)::int AS orders,
       sum(quantity)::int AS units,
       sum(total) AS revenue
FROM {{ref "stg_sales"}}
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
GROUP BY date_id, hour, employee_dim_id
