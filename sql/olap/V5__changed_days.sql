-- Brewlytics OLAP, version 5: the days whose facts changed, so an incremental
-- `models run` rebuilds exactly those (late-arriving and deleted facts
-- included) instead of a fixed lookback, and the pipeline runner's model runs.
--
-- Statement-level triggers with transition tables on the three fact tables
-- append each statement's distinct date_ids (old and new) to
-- warehouse_changed_days, in the writer's own transaction: any writer (the CDC
-- load, a backfill, a bench, a person with psql) is covered, and a change is
-- marked if and only if it commits. The tables are append-only on purpose: no
-- unique key, so a writer never waits for a models run and two writers never
-- wait for each other (no row locks, no deadlocks).
--
-- A models run first claims the marks (DELETE … RETURNING, one statement: it
-- takes exactly the marks committed before it, whose facts it will then see)
-- and hands each to every table or incremental model that reads that fact
-- table, directly or through other models, as warehouse_model_pending rows.
-- Each model deletes its pending rows in the transaction that publishes it, so
-- a model that fails keeps them for the next run, and one that succeeds
-- consumes exactly what it rebuilt. A TRUNCATE is not marked: rebuild with
-- `models run --full-refresh` after one.

CREATE TABLE warehouse_changed_days (
  source     text        NOT NULL,               -- the fact table written
  date_id    integer     NOT NULL,               -- yyyymmdd
  marked_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE warehouse_model_pending (
  model      text        NOT NULL,
  date_id    integer     NOT NULL,
  marked_at  timestamptz NOT NULL                -- when the change was marked: the models' lag
);
CREATE INDEX warehouse_model_pending_model_idx ON warehouse_model_pending (model);

CREATE FUNCTION warehouse_mark_changed_days() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO warehouse_changed_days (source, date_id)
    SELECT DISTINCT TG_TABLE_NAME, date_id FROM new_rows;
  ELSIF TG_OP = 'UPDATE' THEN
    -- A row moved to another day changes both days.
    INSERT INTO warehouse_changed_days (source, date_id)
    SELECT TG_TABLE_NAME, date_id FROM new_rows UNION SELECT TG_TABLE_NAME, date_id FROM old_rows;
  ELSE
    INSERT INTO warehouse_changed_days (source, date_id)
    SELECT DISTINCT TG_TABLE_NAME, date_id FROM old_rows;
  END IF;
  RETURN NULL;
END
$$;

-- A trigger with transition tables serves one event, hence three per table.
CREATE TRIGGER fact_sales_mark_insert AFTER INSERT ON fact_sales
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_sales_mark_update AFTER UPDATE ON fact_sales
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_sales_mark_delete AFTER DELETE ON fact_sales
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();

CREATE TRIGGER fact_payments_mark_insert AFTER INSERT ON fact_payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_payments_mark_update AFTER UPDATE ON fact_payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_payments_mark_delete AFTER DELETE ON fact_payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();

CREATE TRIGGER fact_inventory_mark_insert AFTER INSERT ON fact_inventory
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_inventory_mark_update AFTER UPDATE ON fact_inventory
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();
CREATE TRIGGER fact_inventory_mark_delete AFTER DELETE ON fact_inventory
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION warehouse_mark_changed_days();

-- What the fixed three-day lookback used to cover, so an upgraded warehouse
-- misses nothing written between its last models run and this migration.
INSERT INTO warehouse_changed_days (source, date_id)
SELECT 'fact_sales', date_id FROM fact_sales
WHERE date_id >= (SELECT to_char(to_date(max(date_id)::text, 'YYYYMMDD') - 3, 'YYYYMMDD')::int FROM fact_sales)
UNION
SELECT 'fact_payments', date_id FROM fact_payments
WHERE date_id >= (SELECT to_char(to_date(max(date_id)::text, 'YYYYMMDD') - 3, 'YYYYMMDD')::int FROM fact_payments)
UNION
SELECT 'fact_inventory', date_id FROM fact_inventory
WHERE date_id >= (SELECT to_char(to_date(max(date_id)::text, 'YYYYMMDD') - 3, 'YYYYMMDD')::int FROM fact_inventory);

-- A models run after a load: 'after' (the runner's hook on cdc_to_star).
ALTER TABLE pipeline_runs DROP CONSTRAINT pipeline_runs_trigger_check;
ALTER TABLE pipeline_runs ADD CONSTRAINT pipeline_runs_trigger_check
  CHECK (trigger IN ('schedule', 'notify', 'manual', 'backfill', 'after'));

-- An incremental model with no changed day to rebuild is left as it is.
ALTER TABLE warehouse_model_runs DROP CONSTRAINT warehouse_model_runs_mode_check;
ALTER TABLE warehouse_model_runs ADD CONSTRAINT warehouse_model_runs_mode_check
  CHECK (mode IN ('view', 'full', 'incremental', 'skipped', 'unchanged'));
