-- The transactional inbox (PgInbox) of a service that consumes events into PostgreSQL. Its
-- versions are 0.n, so on a new database it comes before the service's own V1.
CREATE TABLE IF NOT EXISTS inbox (
    consumer text NOT NULL,
    event_id text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX IF NOT EXISTS inbox_processed_at ON inbox (processed_at);
