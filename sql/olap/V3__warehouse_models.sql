-- Brewlytics OLAP, version 3: where the warehouse models live and what their
-- builds did. Each model layer is a schema of its own, so a model never
-- collides with a star-schema table (which stay in public).

CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS intermediate;
CREATE SCHEMA IF NOT EXISTS marts;

-- One row per model built (or failed) by `brewlytics models run` or the pipeline runner.
CREATE TABLE warehouse_model_runs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id       uuid        NOT NULL,
  model        text        NOT NULL,
  materialized text        NOT NULL CHECK (materialized IN ('view', 'table', 'incremental')),
  mode         text        NOT NULL CHECK (mode IN ('view', 'full', 'incremental', 'skipped')),
  status       text        NOT NULL CHECK (status IN ('success', 'failed', 'skipped')),
  rows         bigint,
  duration_ms  integer     NOT NULL,
  error        text,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX warehouse_model_runs_model_idx ON warehouse_model_runs (model, finished_at DESC);
