-- Each hour of each day (an hour with no orders is a zero, which is the
-- anomaly that matters most: a night hour stays at zero and is never flagged), against the same
-- weekday and hour over the eight weeks before. A top-up recomputes from the
-- oldest changed day on (later baselines include it), reading the eight weeks before for the baseline.
WITH hourly AS (
  SELECT date_id, hour, sum(orders)::int AS orders
  FROM {{ref "int_sales_hourly"}}
  {{#if incremental}}
  WHERE date_id >= to_char(to_date({{lookback "date_id" 3}}::text, 'YYYYMMDD') - 63, 'YYYYMMDD')::int
  {{/if}}
  GROUP BY date_id, hour
),
spine AS (
  SELECT d.date_id, d.date, d.day_of_week, h.hour
  FROM {{ref "mart_daily_sales"}} d CROSS JOIN {{ref "stg_hours"}} h
  {{#if incremental}}
  WHERE d.date_id >= to_char(to_date({{lookback "date_id" 3}}::text, 'YYYYMMDD') - 63, 'YYYYMMDD')::int
  {{/if}}
),
filled AS (
  SELECT s.*, coalesce(o.orders, 0) AS orders FROM spine s LEFT JOIN hourly o USING (date_id, hour)
),
baseline AS (
  SELECT f.*,
         avg(orders) OVER w AS baseline_mean,
         stddev_samp(orders) OVER w AS baseline_stddev,
         count(*) OVER w AS weeks_of_history
  FROM filled f
  WINDOW w AS (PARTITION BY day_of_week, hour ORDER BY date ROWS BETWEEN 8 PRECEDING AND 1 PRECEDING)
)
SELECT date, date_id, day_of_week, hour, orders,
       round(baseline_mean, 2) AS baseline_mean,
       round(baseline_stddev, 2) AS baseline_stddev,
       weeks_of_history::int AS weeks_of_history,
       round((orders - baseline_mean) / nullif(baseline_stddev, 0), 2) AS z_score,
       coalesce(weeks_of_history >= 4 AND abs(orders - baseline_mean) >= 3 * greatest(baseline_stddev, 1), false) AS is_anomaly
FROM baseline
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
