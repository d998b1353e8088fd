SELECT product_id, product_dim_id, date_id, quantity_sold, quantity_received, quantity_wasted, quantity_on_hand
FROM {{source "fact_inventory"}}
