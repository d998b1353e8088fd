SELECT payment_id, order_id, customer_dim_id, payment_amount AS amount, payment_method, payment_status, date_id, recorded_at
FROM {{source "fact_payments"}}
