-- Brewlytics OLTP, version 5: NOTIFY only while a runner is waiting for it.
-- PostgreSQL serialises the commits of notifying transactions (a global lock
-- held through the commit's WAL flush), so a NOTIFY in every writing
-- transaction capped the order rate: pgbench's order transaction ran at ~370/s
-- with it and ~610/s without it on the 2-core machine. Now a runner waiting for
-- changes arms the flag below; the first capture after that notifies; the
-- woken runner disarms it, loads batches until it has caught up, then arms it
-- again. Under a rush the runner is busy and nobody notifies; when it waits,
-- the next write wakes it at once. With no runner, nobody is notified for
-- nothing (a runner arms it when it starts).

CREATE TABLE change_log_wakeup (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  armed     boolean NOT NULL DEFAULT false
);
INSERT INTO change_log_wakeup DEFAULT VALUES;

CREATE OR REPLACE FUNCTION change_log_capture_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  captured bigint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO change_log (table_name, op, row_after)
    SELECT TG_TABLE_NAME, 'INSERT', to_jsonb(n) FROM new_rows n;
  ELSIF TG_OP = 'UPDATE' THEN
    -- Ids are identity columns (GENERATED ALWAYS): an UPDATE never changes them.
    INSERT INTO change_log (table_name, op, row_after, row_before)
    SELECT TG_TABLE_NAME, 'UPDATE', to_jsonb(n), to_jsonb(o) FROM new_rows n JOIN old_rows o ON o.id = n.id;
  ELSE
    INSERT INTO change_log (table_name, op, row_before)
    SELECT TG_TABLE_NAME, 'DELETE', to_jsonb(o) FROM old_rows o;
  END IF;
  GET DIAGNOSTICS captured = ROW_COUNT;
  IF captured > 0 AND (SELECT armed FROM change_log_wakeup) THEN
    PERFORM pg_notify('brewlytics_changes', '');
  END IF;
  RETURN NULL;
END
$$;
