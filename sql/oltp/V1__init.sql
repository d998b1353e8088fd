-- Brewlytics OLTP schema, version 1: the shop's master data and sales.
-- Money is NUMERIC(12,2) in currency units: exact, never binary floating point.

CREATE TABLE customers (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  email       text        NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT customers_email_key UNIQUE (email)
);

CREATE TABLE employees (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  role        text        NOT NULL CHECK (role IN ('barista', 'shift_lead', 'manager', 'cashier', 'baker')),
  active      boolean     NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX employees_active_idx ON employees (id) WHERE active;

CREATE TABLE products (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text          NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
  category    text          NOT NULL DEFAULT 'other' CHECK (category IN ('coffee', 'tea', 'pastry', 'food', 'other')),
  size        text          NOT NULL DEFAULT 'regular' CHECK (size IN ('small', 'medium', 'large', 'regular')),
  price       numeric(12,2) NOT NULL CHECK (price > 0),
  active      boolean       NOT NULL DEFAULT true,
  created_at  timestamptz   NOT NULL DEFAULT now(),
  updated_at  timestamptz   NOT NULL DEFAULT now(),
  CONSTRAINT products_name_size_key UNIQUE (name, size)
);

CREATE TABLE orders (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id  bigint      NOT NULL REFERENCES customers (id),
  employee_id  bigint      NOT NULL REFERENCES employees (id),
  order_time   timestamptz NOT NULL DEFAULT now(),
  status       text        NOT NULL DEFAULT 'completed' CHECK (status IN ('open', 'completed', 'cancelled')),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer_idx ON orders (customer_id);
CREATE INDEX orders_employee_idx ON orders (employee_id);
CREATE INDEX orders_time_idx ON orders (order_time);

CREATE TABLE order_items (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id    bigint        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id  bigint        NOT NULL REFERENCES products (id),
  quantity    integer       NOT NULL CHECK (quantity BETWEEN 1 AND 100),
  -- The product's price at the moment of sale; later price changes never touch it.
  unit_price  numeric(12,2) NOT NULL CHECK (unit_price > 0)
);
CREATE INDEX order_items_order_idx ON order_items (order_id);
CREATE INDEX order_items_product_idx ON order_items (product_id);

CREATE TABLE payments (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id    bigint        NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  method      text          NOT NULL CHECK (method IN ('cash', 'card', 'mobile')),
  amount      numeric(12,2) NOT NULL CHECK (amount >= 0),
  status      text          NOT NULL DEFAULT 'paid' CHECK (status IN ('pending', 'paid', 'refunded', 'failed')),
  paid_at     timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX payments_order_idx ON payments (order_id);

CREATE TABLE stock_movements (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id  bigint      NOT NULL REFERENCES products (id),
  kind        text        NOT NULL CHECK (kind IN ('received', 'sold', 'wasted')),
  quantity    integer     NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
  -- Set for 'sold' movements written by an order.
  order_id    bigint      REFERENCES orders (id) ON DELETE CASCADE,
  moved_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_movements_product_idx ON stock_movements (product_id, moved_at);
CREATE INDEX stock_movements_order_idx ON stock_movements (order_id) WHERE order_id IS NOT NULL;
