-- Brewlytics OLAP warehouse, version 8: who runs each pipeline in cluster mode.
-- Several runners (`brewlytics pipeline run --cluster`) share the pipelines:
-- each scheduled pipeline has one owner at a time (a cluster singleton, whose
-- lease lives in effect/cluster's own tables). The owner writes itself here
-- when it takes a pipeline over, for `pipeline status`. A batch whose watermark
-- compare-and-set was refused (a runner that lost its lease while paused, then
-- woke up) is counted: it wrote nothing, and this says it happened.

CREATE TABLE pipeline_owners (
  pipeline               text PRIMARY KEY,
  runner                 text        NOT NULL,  -- the owner's cluster address, host:port
  pid                    integer     NOT NULL,  -- its process id on that host
  since                  timestamptz NOT NULL,  -- when it took the pipeline over
  rejected_stale_commits bigint      NOT NULL DEFAULT 0
);
