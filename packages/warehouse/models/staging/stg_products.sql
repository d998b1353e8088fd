-- The current version of each product: names and prices as the menu shows them today.
SELECT product_id, name, category, size, price, active
FROM {{source "dim_product"}}
WHERE is_current
