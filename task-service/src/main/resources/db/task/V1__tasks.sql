-- Tasks: the queue's durable state. id is a UUIDv7, so it sorts by creation time (keyset pages).
CREATE TABLE tasks (
    id              uuid PRIMARY KEY,
    owner           text NOT NULL,
    type            text NOT NULL,
    input           jsonb NOT NULL,
    status          text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    result          jsonb,
    error           text,
    attempts        int NOT NULL DEFAULT 0,
    worker          text,
    idempotency_key text,
    request_hash    text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    started_at      timestamptz,
    finished_at     timestamptz
);
CREATE INDEX tasks_owner_id ON tasks (owner, id DESC);
-- The queue depth (accepted, not finished) is counted often: a small partial index keeps it cheap.
CREATE INDEX tasks_open ON tasks (status) WHERE status IN ('QUEUED', 'RUNNING');
CREATE UNIQUE INDEX tasks_idempotency ON tasks (owner, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- The transactional outbox: events written in the same transaction as the task change they
-- announce; the relay publishes them to Kafka and deletes them.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    topic       text NOT NULL,
    key         text NOT NULL,
    payload     text NOT NULL,
    traceparent text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Wakes the relays at commit (one notification per transaction, however many rows).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('task_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_inserted AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
