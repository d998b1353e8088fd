-- Brewlytics OLAP warehouse, version 7: one dead-letter table.
-- The CDC load wrote its dead letters to pipeline_dead_letter (V2), the
-- pipeline DSL to pipeline_dead_letters (V4): two tables for one idea. The
-- second survives. A CDC dead letter is an item of the `load_star` step keyed
-- by its change-log id, written inside the load's own transaction (no run id);
-- it keeps the OLTP table and operation of its change.

ALTER TABLE pipeline_dead_letters
  ALTER COLUMN run_id DROP NOT NULL,
  ADD COLUMN table_name text,   -- the OLTP table of a CDC change
  ADD COLUMN op         text;   -- its operation: INSERT, UPDATE or DELETE

-- Every row of the old table, in its order, with its time. Each change id is
-- there once per pipeline; should one collide with a row already here, the
-- migration fails and changes nothing rather than drop a dead letter.
INSERT INTO pipeline_dead_letters (pipeline, step, item_key, run_id, payload, reason, created_at, table_name, op)
SELECT pipeline, 'load_star', change_id::text, NULL, payload, reason, dead_at, table_name, op
FROM pipeline_dead_letter
ORDER BY id;

DROP TABLE pipeline_dead_letter;
