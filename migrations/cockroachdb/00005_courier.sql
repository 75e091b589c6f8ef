-- The courier's queue for CockroachDB: the same table, columns and constraints as
-- postgres/00005_courier.sql (read that file for what they mean), so that store/sql runs the same
-- queries, FOR UPDATE SKIP LOCKED included, on both. The id is a random UUID, so inserts spread
-- over the ranges; the indexes keyed by a time (due_at, created_at) grow monotonically and are
-- hash-sharded, as the expiry indexes of 00002 are.

-- +goose Up
CREATE TABLE ward_courier_messages (
    id            UUID PRIMARY KEY,
    status        STRING NOT NULL,
    type          STRING NOT NULL,
    recipient     STRING NOT NULL,
    subject       STRING NOT NULL,
    body          STRING NOT NULL,
    html_body     STRING NOT NULL,
    template_type STRING NOT NULL,
    send_count    INT4 NOT NULL,
    due_at        TIMESTAMPTZ,
    claim         UUID,
    dispatches    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    INDEX ward_courier_messages_due (due_at) USING HASH WHERE status IN ('queued', 'processing'),
    INDEX ward_courier_messages_created (created_at, id) USING HASH,
    INDEX ward_courier_messages_recipient (recipient, created_at, id)
);

-- +goose Down
DROP TABLE ward_courier_messages;
