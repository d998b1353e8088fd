-- Recency, frequency and monetary value as of the newest sale in the warehouse
-- (not the wall clock, so the segments are reproducible), scored 1–5 by quintile.
WITH per_customer AS (
  SELECT customer_dim_id,
         min(first_order_date) AS first_order_date, max(last_order_date) AS last_order_date,
         sum(orders)::int AS orders, sum(units)::int AS units, sum(revenue) AS revenue
  FROM {{ref "int_customer_monthly"}}
  GROUP BY customer_dim_id
),
as_of AS (SELECT max(last_order_date) AS day FROM per_customer),
scored AS (
  SELECT p.*, (a.day - p.last_order_date) AS recency_days, (a.day - p.first_order_date) AS tenure_days,
         ntile(5) OVER (ORDER BY p.last_order_date) AS r_score,
         ntile(5) OVER (ORDER BY p.orders) AS f_score,
         ntile(5) OVER (ORDER BY p.revenue) AS m_score
  FROM per_customer p CROSS JOIN as_of a
)
SELECT c.customer_id, c.name, c.email, s.first_order_date, s.last_order_date, s.orders, s.units, s.revenue,
       round(s.revenue / s.orders, 2) AS avg_basket_value,
       s.recency_days, s.r_score, s.f_score, s.m_score,
       CASE
         WHEN s.tenure_days < 30 THEN 'new'
         WHEN s.recency_days > 90 THEN 'lapsed'
         WHEN s.orders >= 10 AND s.recency_days <= 30 THEN 'loyal'
         ELSE 'returning'
       END AS segment
FROM scored s
JOIN {{ref "stg_customers"}} c USING (customer_dim_id)
