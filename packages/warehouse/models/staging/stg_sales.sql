-- The sale facts as the pipeline loads them: one row per live order item.
SELECT order_item_id, order_id, date_id, time_of_day_id AS hour, customer_dim_id, product_dim_id,
       employee_dim_id, product_id, quantity, price, total, order_time, order_status
FROM {{source "fact_sales"}}
