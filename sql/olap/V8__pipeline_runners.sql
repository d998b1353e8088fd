-- Brewlytics OLAP warehouse, version 8: the pipeline runners that run.
-- A runner writes its row when it starts (the settings it runs with, as it
-- read them: each pipeline's version and schedule), touches heartbeat_at
-- every few seconds while it runs, and sets stopped_at when it stops. So
-- `brewlytics pipeline status`, from any shell, shows the running runner's
-- settings, not its own; a runner that died without stopping is known by
-- its heartbeat going stale.

CREATE TABLE pipeline_runners (
  id            text        PRIMARY KEY DEFAULT gen_random_uuid()::text,
  host          text        NOT NULL,                -- the machine's name
  pid           int         NOT NULL,
  status_at     text        NOT NULL,                -- RUNNER_HOST:RUNNER_PORT as configured (port 0: any free port)
  pipelines     jsonb       NOT NULL,                -- [{name, version, schedule, notifyChannel}]
  started_at    timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now(),
  stopped_at    timestamptz,
  CHECK (heartbeat_at >= started_at),
  CHECK (stopped_at IS NULL OR stopped_at >= started_at)
);

CREATE INDEX pipeline_runners_running ON pipeline_runners (heartbeat_at DESC) WHERE stopped_at IS NULL;
