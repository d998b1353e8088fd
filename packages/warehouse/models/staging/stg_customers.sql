SELECT id AS customer_dim_id, customer_id, name, email, deleted_at IS NOT NULL AS deleted
FROM {{source "dim_customer"}}
