-- The ledger: one row per charged event. event_id is unique, so an event is charged at most once.
CREATE TABLE ledger (
    id           bigserial   PRIMARY KEY,
    event_id     text        NOT NULL UNIQUE,
    user_id      text        NOT NULL,
    kind         text        NOT NULL,
    amount_minor bigint      NOT NULL CHECK (amount_minor >= 0),
    currency     char(3)     NOT NULL,
    period       char(7)     NOT NULL,
    occurred_at  timestamptz NOT NULL,
    charged_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_user_period ON ledger (user_id, period, occurred_at);
