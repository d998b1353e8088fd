-- A shift hour is an hour of a day in which the employee took at least one order.
SELECT e.employee_id, e.name, e.role, e.active,
       sum(s.orders)::int AS orders, sum(s.units)::int AS units, sum(s.revenue) AS revenue,
       round(sum(s.revenue) / nullif(sum(s.orders), 0), 2) AS avg_basket_value,
       count(*)::int AS shift_hours,
       round(sum(s.orders)::numeric / count(*), 2) AS orders_per_shift_hour,
       round(sum(s.revenue) / count(*), 2) AS revenue_per_shift_hour
FROM {{ref "int_sales_hourly"}} s
JOIN {{ref "stg_employees"}} e USING (employee_dim_id)
GROUP BY e.employee_id, e.name, e.role, e.active
