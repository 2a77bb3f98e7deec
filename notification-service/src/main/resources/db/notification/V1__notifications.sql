-- One row per notification; event_id unique, so an event notifies at most once.
CREATE TABLE notifications (
    id         uuid        PRIMARY KEY,
    user_id    text        NOT NULL,
    kind       text        NOT NULL,
    message    text        NOT NULL,
    event_id   text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- Newest first per user; ids are UUIDv7, so id order is time order.
CREATE INDEX notifications_user_id ON notifications (user_id, id DESC);
