-- Days of cover: stock on hand over the mean daily units sold in the 7 days ending that day
-- (days without movement count as zero sold). A top-up recomputes from the oldest changed day,
-- reading the week before it for the moving sum.
WITH movements AS (
  SELECT d.date, i.date_id, i.product_id, p.name AS product_name,
         i.quantity_on_hand AS on_hand, i.quantity_sold AS sold, i.quantity_received AS received, i.quantity_wasted AS wasted,
         sum(i.quantity_sold) OVER w / 7.0 AS avg_sold
  FROM {{ref "stg_inventory"}} i
  JOIN {{ref "stg_dates"}} d USING (date_id)
  JOIN {{ref "stg_products"}} p USING (product_id)
  {{#if incremental}}
  WHERE i.date_id >= to_char(to_date({{lookback "date_id" 3}}::text, 'YYYYMMDD') - 7, 'YYYYMMDD')::int
  {{/if}}
  WINDOW w AS (PARTITION BY i.product_id ORDER BY d.date RANGE BETWEEN INTERVAL '6 days' PRECEDING AND CURRENT ROW)
)
SELECT date, date_id, product_id, product_name, on_hand, sold, received, wasted,
       round(avg_sold, 2) AS avg_daily_sold_7d,
       round(on_hand / nullif(avg_sold, 0), 1) AS days_of_cover
FROM movements
{{#if incremental}}WHERE date_id >= {{lookback "date_id" 3}}{{/if}}
