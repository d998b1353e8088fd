-- Brewlytics OLTP, version 2: change capture.
-- Every INSERT, UPDATE and DELETE on the shop's tables is written, in the same
-- transaction, to one generic change log. The pipeline reads it by transaction
-- id against a snapshot (the PgQ approach), never by `id > last_seen`: ids are
-- handed out at insert time but transactions commit in any order.

CREATE TABLE change_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The writing transaction: the extractor takes the changes whose xid is
  -- committed in its snapshot and was not yet in the previous one.
  xid         xid8        NOT NULL DEFAULT pg_current_xact_id(),
  table_name  text        NOT NULL,
  op          text        NOT NULL CHECK (op IN ('INSERT', 'UPDATE', 'DELETE')),
  row_after   jsonb,      -- NULL for a DELETE
  row_before  jsonb,      -- NULL for an INSERT
  changed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((op = 'DELETE') = (row_after IS NULL) AND (op = 'INSERT') = (row_before IS NULL))
);
CREATE INDEX change_log_xid_idx ON change_log (xid);

CREATE FUNCTION change_log_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO change_log (table_name, op, row_after, row_before)
  VALUES (
    TG_TABLE_NAME,
    TG_OP,
    CASE WHEN TG_OP = 'DELETE' THEN NULL ELSE to_jsonb(NEW) END,
    CASE WHEN TG_OP = 'INSERT' THEN NULL ELSE to_jsonb(OLD) END
  );
  RETURN NULL;
END
$$;

-- Wakes a listening runner. NOTIFY folds identical notifications of one
-- transaction into one, delivered at commit, so a busy writer sends one per
-- transaction, and only committed changes wake anyone.
CREATE FUNCTION change_log_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('brewlytics_changes', '');
  RETURN NULL;
END
$$;

CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
  FOR EACH STATEMENT EXECUTE FUNCTION change_log_notify();

CREATE TRIGGER customers_capture AFTER INSERT OR UPDATE OR DELETE ON customers
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER employees_capture AFTER INSERT OR UPDATE OR DELETE ON employees
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER products_capture AFTER INSERT OR UPDATE OR DELETE ON products
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER orders_capture AFTER INSERT OR UPDATE OR DELETE ON orders
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER order_items_capture AFTER INSERT OR UPDATE OR DELETE ON order_items
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER payments_capture AFTER INSERT OR UPDATE OR DELETE ON payments
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();
CREATE TRIGGER stock_movements_capture AFTER INSERT OR UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION change_log_capture();

-- The seed's name, kept queryable: one row per order change, its JSON payload
-- carrying `order_id`.
CREATE VIEW cdc_orders AS
SELECT id,
       op AS operation,
       coalesce(row_after, row_before) || jsonb_build_object('order_id', coalesce(row_after, row_before) -> 'id') AS payload,
       row_before AS payload_before,
       xid,
       changed_at AS created_at
FROM change_log
WHERE table_name = 'orders';
