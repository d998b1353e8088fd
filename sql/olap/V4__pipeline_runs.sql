-- Brewlytics OLAP warehouse, version 4: the pipeline runner's own records.
-- pipeline_runs is the run list (Airflow's DAG runs): one row per run that
-- did work or failed, saying which code (version hash) produced it.
-- pipeline_dead_letters holds the items a step could never process, with the
-- reason, so the pipeline goes on and a person can look at them later.

CREATE TABLE pipeline_runs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        text        NOT NULL UNIQUE,
  pipeline      text        NOT NULL,
  version       text        NOT NULL,                -- hash of the pipeline's definition and SQL
  trigger       text        NOT NULL CHECK (trigger IN ('schedule', 'notify', 'manual', 'backfill')),
  params        jsonb       NOT NULL DEFAULT '{}',   -- e.g. {"from": "2026-11-01", "to": "2026-11-07"} for a backfill
  started_at    timestamptz NOT NULL,
  ended_at      timestamptz NOT NULL,
  status        text        NOT NULL CHECK (status IN ('succeeded', 'failed')),
  rows_read     bigint      NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
  rows_written  bigint      NOT NULL DEFAULT 0 CHECK (rows_written >= 0),
  lag_events    bigint,
  lag_seconds   double precision,
  steps         jsonb       NOT NULL DEFAULT '[]',   -- per step: attempts, millis, dead-lettered, status
  error         text,
  CHECK (ended_at >= started_at),
  CHECK ((status = 'failed') = (error IS NOT NULL))
);

CREATE INDEX pipeline_runs_recent ON pipeline_runs (pipeline, started_at DESC);

CREATE TABLE pipeline_dead_letters (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  pipeline      text        NOT NULL,
  step          text        NOT NULL,
  item_key      text        NOT NULL,                -- e.g. the change-log id
  run_id        text        NOT NULL,
  payload       jsonb,                               -- the step's input for that item, as JSON
  reason        text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (pipeline, step, item_key)
);
