-- The IDs (jti) of client assertions (private_key_jwt, RFC 7523 §3), kept until the assertion
-- expires so that every node refuses a second use (store.AssertionStore). key is the SHA-256 of
-- the client ID and the jti (store.AssertionKey): random, so inserts spread, and of fixed size
-- whatever the jti. attempt is a random UUID per UseAssertionID call, by which a call whose COMMIT
-- lost its connection recognizes its own row on retry. Expired rows are replaced in place by a new
-- use of the same key, and deleted by DeleteExpired.

-- +goose Up
CREATE TABLE ward_oauth2_assertions (
    key        BYTEA PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    attempt    UUID NOT NULL
);
CREATE INDEX ward_oauth2_assertions_expires ON ward_oauth2_assertions (expires_at);

-- +goose Down
DROP TABLE ward_oauth2_assertions;
