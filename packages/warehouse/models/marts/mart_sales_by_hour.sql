-- Weekday × hour: the average busy-ness of each slot, for staffing and peak hours.
WITH slots AS (
  SELECT d.day_of_week, h.hour, sum(s.orders)::int AS orders, sum(s.units)::int AS units, sum(s.revenue) AS revenue
  FROM {{ref "int_sales_hourly"}} s
  JOIN {{ref "stg_dates"}} d USING (date_id)
  JOIN {{ref "stg_hours"}} h USING (hour)
  GROUP BY d.day_of_week, h.hour
),
weekdays AS (
  -- How many of each weekday the sales range holds: the divisor for the averages.
  SELECT day_of_week, count(*)::int AS days
  FROM {{ref "mart_daily_sales"}}
  GROUP BY day_of_week
)
SELECT s.day_of_week, d.day_name, s.hour, h.label, h.daypart, s.orders, s.units, s.revenue, w.days,
       round(s.orders::numeric / w.days, 2) AS avg_orders,
       round(s.revenue / w.days, 2) AS avg_revenue,
       rank() OVER (PARTITION BY s.day_of_week ORDER BY s.orders DESC)::int AS busyness_rank,
       rank() OVER (PARTITION BY s.day_of_week ORDER BY s.orders DESC) <= 3 AS is_peak
FROM slots s
JOIN weekdays w USING (day_of_week)
JOIN {{ref "stg_hours"}} h USING (hour)
JOIN (SELECT DISTINCT day_of_week, day_name FROM {{ref "stg_dates"}}) d USING (day_of_week)
