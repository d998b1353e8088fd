-- Brewlytics OLAP, version 6: the fact tables' primary keys are their grain keys.
--
-- fact_sales is one row per order item and fact_payments one row per payment;
-- order_item_id and payment_id were already unique (the load's upsert key),
-- and nothing looks a fact up by its surrogate `id`. A second unique index on
-- `id` cost one more index entry per fact row in every load. The `id` columns
-- stay (identity, as before), without an index of their own.
ALTER TABLE fact_sales
  DROP CONSTRAINT fact_sales_pkey,
  DROP CONSTRAINT fact_sales_order_item_id_key,
  ADD CONSTRAINT fact_sales_pkey PRIMARY KEY (order_item_id);

ALTER TABLE fact_payments
  DROP CONSTRAINT fact_payments_pkey,
  DROP CONSTRAINT fact_payments_payment_id_key,
  ADD CONSTRAINT fact_payments_pkey PRIMARY KEY (payment_id);
