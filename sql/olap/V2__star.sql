-- Brewlytics OLAP, version 2: the star schema the CDC pipeline loads, and the
-- pipeline's own bookkeeping. Money is exact NUMERIC(12,2) in currency units.
--
-- Facts carry no enforced foreign keys: the load guarantees their references
-- (a change whose dimension is missing is dead-lettered, never loaded), the
-- relationship tests prove it, and per-row FK checks cost a set-based load
-- dearly (see packages/pipeline/src/cdc/README.md for the measurement).

CREATE TABLE dim_customer (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint      NOT NULL UNIQUE,
  name         text        NOT NULL,
  email        text        NOT NULL,
  updated_at   timestamptz NOT NULL,
  deleted_at   timestamptz            -- deleted in OLTP; kept for the facts that point here
);

CREATE TABLE dim_employee (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  employee_id  bigint      NOT NULL UNIQUE,
  name         text        NOT NULL,
  role         text        NOT NULL,
  active       boolean     NOT NULL,
  updated_at   timestamptz NOT NULL,
  deleted_at   timestamptz
);

-- SCD type 2: a change of name, price, category, size or active flag starts a
-- new version, so a past sale keeps pointing at the product as it was sold.
CREATE TABLE dim_product (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id  bigint        NOT NULL,
  name        text          NOT NULL,
  price       numeric(12,2) NOT NULL,
  category    text          NOT NULL,
  size        text          NOT NULL,
  active      boolean       NOT NULL,
  valid_from  timestamptz   NOT NULL,
  valid_to    timestamptz   NOT NULL DEFAULT 'infinity',
  is_current  boolean       NOT NULL DEFAULT false,
  CHECK (valid_from <= valid_to)
);
-- A version per product and start time: replaying a batch inserts no version twice.
CREATE UNIQUE INDEX dim_product_versions_idx ON dim_product (product_id, valid_from);
CREATE UNIQUE INDEX dim_product_current_idx ON dim_product (product_id) WHERE is_current;

-- The source rows the facts are built from, as of the last loaded batch: a
-- fact is a function of these and the dimensions, so an update, a removal or
-- a cancelled (and even a re-opened) order rebuilds exactly its facts.
CREATE TABLE raw_orders (
  order_id     bigint      PRIMARY KEY,
  customer_id  bigint      NOT NULL,
  employee_id  bigint      NOT NULL,
  order_time   timestamptz NOT NULL,
  status       text        NOT NULL
);

CREATE TABLE raw_order_items (
  order_item_id  bigint        PRIMARY KEY,
  order_id       bigint        NOT NULL,
  product_id     bigint        NOT NULL,
  quantity       integer       NOT NULL,
  unit_price     numeric(12,2) NOT NULL
);
CREATE INDEX raw_order_items_order_idx ON raw_order_items (order_id);

CREATE TABLE raw_payments (
  payment_id  bigint        PRIMARY KEY,
  order_id    bigint        NOT NULL,
  method      text          NOT NULL,
  amount      numeric(12,2) NOT NULL,
  status      text          NOT NULL,
  paid_at     timestamptz   NOT NULL
);
CREATE INDEX raw_payments_order_idx ON raw_payments (order_id);

CREATE TABLE raw_stock_movements (
  stock_movement_id  bigint      PRIMARY KEY,
  product_id         bigint      NOT NULL,
  kind               text        NOT NULL,
  quantity           integer     NOT NULL,
  order_id           bigint,
  moved_at           timestamptz NOT NULL,
  date_id            integer     NOT NULL
);
CREATE INDEX raw_stock_movements_day_idx ON raw_stock_movements (product_id, date_id);

-- Grain: one row per live order item (an item of a cancelled order has none).
CREATE TABLE fact_sales (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_item_id    bigint        NOT NULL UNIQUE,
  order_id         bigint        NOT NULL,
  date_id          integer       NOT NULL,
  time_of_day_id   smallint      NOT NULL,
  customer_dim_id  bigint        NOT NULL,
  product_dim_id   bigint        NOT NULL,
  employee_dim_id  bigint        NOT NULL,
  product_id       bigint        NOT NULL,
  quantity         integer       NOT NULL,
  price            numeric(12,2) NOT NULL,
  total            numeric(12,2) NOT NULL,
  order_time       timestamptz   NOT NULL,
  order_status     text          NOT NULL
);
CREATE INDEX fact_sales_order_idx ON fact_sales (order_id);
-- By day for the dashboards; by day and product for the inventory recompute.
CREATE INDEX fact_sales_date_idx ON fact_sales (date_id, product_id);

-- Grain: one row per payment of a live order.
CREATE TABLE fact_payments (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  payment_id       bigint        NOT NULL UNIQUE,
  order_id         bigint        NOT NULL,
  customer_dim_id  bigint        NOT NULL,
  payment_amount   numeric(12,2) NOT NULL,
  payment_method   text          NOT NULL,
  payment_status   text          NOT NULL,
  date_id          integer       NOT NULL,
  recorded_at      timestamptz   NOT NULL
);
CREATE INDEX fact_payments_order_idx ON fact_payments (order_id);
CREATE INDEX fact_payments_date_idx ON fact_payments (date_id);

-- Grain: one row per product per day with any movement. Sold counts the live
-- order items of that day (plus 'sold' movements not written by an order);
-- on hand is the running total received − sold − wasted up to that day.
CREATE TABLE fact_inventory (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id         bigint      NOT NULL,
  product_dim_id     bigint      NOT NULL REFERENCES dim_product (id),
  date_id            integer     NOT NULL REFERENCES dim_date (id),
  quantity_sold      integer     NOT NULL DEFAULT 0,
  quantity_received  integer     NOT NULL DEFAULT 0,
  quantity_wasted    integer     NOT NULL DEFAULT 0,
  quantity_on_hand   integer     NOT NULL DEFAULT 0,
  recorded_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (product_id, date_id)
);
CREATE INDEX fact_inventory_date_idx ON fact_inventory (date_id);

-- Where each pipeline has read the change log up to: the OLTP snapshot
-- (pg_snapshot text) whose committed transactions are all loaded. A batch
-- moves it with a compare-and-set in the same transaction as its writes.
CREATE TABLE pipeline_watermark (
  pipeline    text        PRIMARY KEY,
  snapshot    text        NOT NULL,
  batches     bigint      NOT NULL DEFAULT 0,
  events      bigint      NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- '1:1:' sees no transaction: everything in the change log is still to load.
INSERT INTO pipeline_watermark (pipeline, snapshot) VALUES ('cdc_to_star', '1:1:');

-- Changes that can never load, with the reason; the batch goes on without them.
CREATE TABLE pipeline_dead_letter (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pipeline    text        NOT NULL,
  change_id   bigint      NOT NULL,
  table_name  text        NOT NULL,
  op          text        NOT NULL,
  reason      text        NOT NULL,
  payload     jsonb,
  dead_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pipeline, change_id)
);
