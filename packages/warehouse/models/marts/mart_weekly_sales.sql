SELECT date_trunc('week', date)::date AS week_start,
       min(date_id / 10000)::int AS year,
       sum(orders)::int AS orders, sum(units)::int AS units, sum(revenue) AS revenue,
       count(*)::int AS days,
       lag(sum(revenue)) OVER (ORDER BY date_trunc('week', date)) AS revenue_week_before,
       round(100 * (sum(revenue) - lag(sum(revenue)) OVER (ORDER BY date_trunc('week', date)))
             / nullif(lag(sum(revenue)) OVER (ORDER BY date_trunc('week', date)), 0), 1) AS wow_change_pct
FROM {{ref "mart_daily_sales"}}
GROUP BY date_trunc('week', date)
