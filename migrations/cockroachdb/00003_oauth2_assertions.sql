-- The IDs of client assertions for CockroachDB: the same table, columns and constraints as
-- postgres/00003_oauth2_assertions.sql (read that file for what they mean). The key is a hash,
-- so inserts spread over the ranges; the index on expires_at grows monotonically and is
-- hash-sharded, as the expiry indexes of 00002 are.

-- +goose Up
CREATE TABLE ward_oauth2_assertions (
    key        BYTES PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    attempt    UUID NOT NULL,
    INDEX ward_oauth2_assertions_expires (expires_at) USING HASH
);

-- +goose Down
DROP TABLE ward_oauth2_assertions;
