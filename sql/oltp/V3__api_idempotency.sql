-- The API's bookkeeping: Idempotency-Key on POST /orders/new.
-- A key maps to the order its first request created and to a hash of that
-- request's body, so a retry with the same key and body returns the same order
-- and a reuse with another body is refused.

CREATE TABLE idempotency_keys (
  key           text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
  request_hash  text        NOT NULL,
  order_id      bigint      REFERENCES orders (id) ON DELETE CASCADE,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
