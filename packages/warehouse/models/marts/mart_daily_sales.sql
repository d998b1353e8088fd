-- Every day from the first sale to the last (a day without sales is a zero, not a gap),
-- with its basket figures, a 7-day moving average and the change on the same weekday a week before.
WITH days AS (
  SELECT d.date_id, d.date, d.day_of_week, d.day_name
  FROM {{ref "stg_dates"}} d
  WHERE d.date_id BETWEEN (SELECT min(date_id) FROM {{ref "int_sales_hourly"}})
                      AND (SELECT max(date_id) FROM {{ref "int_sales_hourly"}})
),
totals AS (
  SELECT date_id, sum(orders)::int AS orders, sum(units)::int AS units, sum(revenue) AS revenue
  FROM {{ref "int_sales_hourly"}}
  GROUP BY date_id
),
daily AS (
  SELECT d.date_id, d.date, d.day_of_week, d.day_name,
         coalesce(t.orders, 0) AS orders, coalesce(t.units, 0) AS units, coalesce(t.revenue, 0)::numeric(14,2) AS revenue
  FROM days d LEFT JOIN totals t USING (date_id)
)
SELECT date_id, date, day_of_week, day_name, orders, units, revenue,
       round(revenue / nullif(orders, 0), 2) AS avg_basket_value,
       round(units::numeric / nullif(orders, 0), 2) AS avg_basket_size,
       round(avg(revenue) OVER (ORDER BY date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 2) AS revenue_7d_avg,
       lag(revenue, 7) OVER (ORDER BY date) AS revenue_week_before,
       round(100 * (revenue - lag(revenue, 7) OVER (ORDER BY date)) / nullif(lag(revenue, 7) OVER (ORDER BY date), 0), 1) AS wow_change_pct
FROM daily
