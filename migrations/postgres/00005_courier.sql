-- The courier's queue of outgoing messages (store.CourierStore): recovery and verification
-- codes, one-time login codes, rendered and waiting for the worker that delivers them.
--
-- A message is due when status is queued or processing and due_at has passed: for a queued
-- message due_at is when it may next be tried, for a processing one when its lease ends, so that
-- the message of a worker that died mid-send is due again after the lease (store/sql/courier.go
-- claims with FOR UPDATE SKIP LOCKED). claim is the token of the current lease, NULL otherwise.
-- dispatches is the JSONB array of recorded attempts, oldest first; an attempt appends to it, and
-- there are at most the courier's maximum attempts of them. The id is a random UUID the domain
-- chooses. Times are the worker's clock, never the database's.

-- +goose Up
CREATE TABLE ward_courier_messages (
    id            UUID PRIMARY KEY,
    status        TEXT NOT NULL,
    type          TEXT NOT NULL,
    recipient     TEXT COLLATE "C" NOT NULL,
    subject       TEXT NOT NULL,
    body          TEXT NOT NULL,
    html_body     TEXT NOT NULL,
    template_type TEXT NOT NULL,
    send_count    INTEGER NOT NULL,
    due_at        TIMESTAMPTZ,
    claim         UUID,
    dispatches    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
-- The claim's scan: only messages that can become due, oldest due first.
CREATE INDEX ward_courier_messages_due ON ward_courier_messages (due_at) WHERE status IN ('queued', 'processing');
-- GET /admin/courier/messages, newest first, with or without the recipient filter.
CREATE INDEX ward_courier_messages_created ON ward_courier_messages (created_at, id);
CREATE INDEX ward_courier_messages_recipient ON ward_courier_messages (recipient, created_at, id);

-- +goose Down
DROP TABLE ward_courier_messages;
