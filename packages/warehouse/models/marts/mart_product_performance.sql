-- Each product over the whole range, with its rank and share, and its trend:
-- the last 28 days against the 28 before, both ending at the newest sale.
WITH bounds AS (
  SELECT to_char(last_day - 28, 'YYYYMMDD')::int AS cut_28, to_char(last_day - 56, 'YYYYMMDD')::int AS cut_56
  FROM (SELECT to_date(max(date_id)::text, 'YYYYMMDD') AS last_day FROM {{ref "int_daily_product_sales"}}) x
),
totals AS (
  SELECT s.product_id,
         sum(s.orders)::int AS orders, sum(s.units)::int AS units, sum(s.revenue) AS revenue,
         coalesce(sum(s.revenue) FILTER (WHERE s.date_id > b.cut_28), 0) AS revenue_last_28d,
         coalesce(sum(s.revenue) FILTER (WHERE s.date_id <= b.cut_28 AND s.date_id > b.cut_56), 0) AS revenue_prev_28d
  FROM {{ref "int_daily_product_sales"}} s CROSS JOIN bounds b
  GROUP BY s.product_id
)
SELECT t.product_id, p.name AS product_name, p.category, p.size, p.price AS current_price,
       t.orders, t.units, t.revenue,
       round(100 * t.revenue / nullif(sum(t.revenue) OVER (), 0), 2) AS revenue_share_pct,
       rank() OVER (ORDER BY t.revenue DESC)::int AS revenue_rank,
       rank() OVER (ORDER BY t.units DESC)::int AS units_rank,
       rank() OVER (ORDER BY t.revenue DESC) <= 5 AS is_best_seller,
       rank() OVER (ORDER BY t.revenue ASC) <= 5 AS is_worst_seller,
       t.revenue_last_28d, t.revenue_prev_28d,
       round(100 * (t.revenue_last_28d - t.revenue_prev_28d) / nullif(t.revenue_prev_28d, 0), 1) AS trend_pct
FROM totals t
JOIN {{ref "stg_products"}} p USING (product_id)
