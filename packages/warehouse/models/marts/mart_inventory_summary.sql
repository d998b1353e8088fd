-- Per product: units over the whole range and the latest day's stock.
SELECT DISTINCT ON (product_id)
       product_id, product_name,
       sum(sold) OVER (PARTITION BY product_id)::int AS sold,
       sum(received) OVER (PARTITION BY product_id)::int AS received,
       sum(wasted) OVER (PARTITION BY product_id)::int AS wasted,
       date AS last_movement, on_hand, days_of_cover
FROM {{ref "mart_inventory_daily"}}
ORDER BY product_id, date DESC
