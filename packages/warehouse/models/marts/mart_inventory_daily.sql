-- Days of cover: stock on hand over the mean daily units sold in the 7 days ending that day
-- (days without movement count as zero sold).
SELECT d.date, i.date_id, i.product_id, p.name AS product_name,
       i.quantity_on_hand AS on_hand, i.quantity_sold AS sold, i.quantity_received AS received, i.quantity_wasted AS wasted,
       round(sum(i.quantity_sold) OVER w / 7.0, 2) AS avg_daily_sold_7d,
       round(i.quantity_on_hand / nullif(sum(i.quantity_sold) OVER w / 7.0, 0), 1) AS days_of_cover
FROM {{ref "stg_inventory"}} i
JOIN {{ref "stg_dates"}} d USING (date_id)
JOIN {{ref "stg_products"}} p USING (product_id)
WINDOW w AS (PARTITION BY i.product_id ORDER BY d.date RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW)
