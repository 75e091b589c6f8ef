-- The OAuth2 server's state for CockroachDB: the same tables, columns and constraints as
-- postgres/00002_oauth2.sql (read that file for what they mean), so that store/sql runs the same
-- queries on both. Only the physical layout differs.
--
-- Every primary key is random (client IDs aside, which administrators choose and rarely write),
-- so inserts spread over the ranges. The indexes keyed by a time (expires_at, revoked_at) grow
-- monotonically and would take every insert in their last range: they are hash-sharded (USING
-- HASH), as the revision indexes of 00001 are. Unique constraints on nullable columns ignore
-- NULLs, as on PostgreSQL, so a flow's handles not yet issued do not collide.

-- +goose Up
CREATE TABLE ward_oauth2_clients (
    id                        STRING PRIMARY KEY,
    secret_hash               STRING NOT NULL,
    name                      STRING NOT NULL,
    redirect_uris             STRING[],
    post_logout_redirect_uris STRING[],
    grant_types               STRING[],
    response_types            STRING[],
    scopes                    STRING[],
    audiences                 STRING[],
    auth_method               STRING NOT NULL,
    jwks                      BYTES,
    access_token_format       STRING NOT NULL,
    created_at                TIMESTAMPTZ,
    updated_at                TIMESTAMPTZ
);

CREATE TABLE ward_oauth2_grants (
    id         STRING PRIMARY KEY,
    client_id  STRING NOT NULL,
    subject    STRING NOT NULL,
    scopes     STRING[],
    audiences  STRING[],
    auth_time  TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    session    BYTES,
    INDEX ward_oauth2_grants_by_subject (subject, client_id),
    INDEX ward_oauth2_grants_by_client (client_id),
    INDEX ward_oauth2_grants_expires (expires_at) USING HASH
);

CREATE TABLE ward_oauth2_tokens (
    kind       INT2 NOT NULL,
    key        STRING NOT NULL,
    grant_id   STRING NOT NULL,
    issued_at  TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    used_at    TIMESTAMPTZ,
    data       BYTES,
    PRIMARY KEY (kind, key),
    INDEX ward_oauth2_tokens_by_grant (grant_id),
    INDEX ward_oauth2_tokens_expires (expires_at) USING HASH
);

CREATE TABLE ward_oauth2_revocations (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    grant_id   STRING NOT NULL,
    token_key  STRING NOT NULL DEFAULT '',
    revoked_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    INDEX ward_oauth2_revocations_at (revoked_at) USING HASH
);

CREATE TABLE ward_oauth2_flows (
    id                STRING PRIMARY KEY,
    login_challenge   STRING UNIQUE,
    login_verifier    STRING UNIQUE,
    consent_challenge STRING UNIQUE,
    consent_verifier  STRING UNIQUE,
    client_id         STRING NOT NULL,
    subject           STRING NOT NULL,
    state             INT2 NOT NULL,
    created_at        TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ,
    data              BYTES,
    INDEX ward_oauth2_flows_expires (expires_at) USING HASH
);

CREATE TABLE ward_oauth2_consents (
    subject    STRING NOT NULL,
    client_id  STRING NOT NULL,
    scopes     STRING[],
    audiences  STRING[],
    granted_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    PRIMARY KEY (subject, client_id),
    INDEX ward_oauth2_consents_by_client (client_id),
    INDEX ward_oauth2_consents_expires (expires_at) USING HASH
);

CREATE TABLE ward_oauth2_login_sessions (
    id               STRING PRIMARY KEY,
    subject          STRING NOT NULL,
    authenticated_at TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ,
    INDEX ward_oauth2_login_sessions_by_subject (subject),
    INDEX ward_oauth2_login_sessions_expires (expires_at) USING HASH
);

CREATE TABLE ward_oauth2_devices (
    device_code_key STRING PRIMARY KEY,
    user_code_key   STRING NOT NULL UNIQUE,
    client_id       STRING NOT NULL,
    scopes          STRING[],
    audiences       STRING[],
    state           INT2 NOT NULL,
    subject         STRING NOT NULL,
    created_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    last_polled_at  TIMESTAMPTZ,
    data            BYTES,
    INDEX ward_oauth2_devices_by_client (client_id),
    INDEX ward_oauth2_devices_expires (expires_at) USING HASH
);

-- A handful of rows, written when keys rotate: no hot spot.
CREATE TABLE ward_oauth2_signing_keys (
    id            STRING PRIMARY KEY,
    algorithm     STRING NOT NULL,
    private_key   BYTES NOT NULL,
    created_at    TIMESTAMPTZ,
    retired_at    TIMESTAMPTZ,
    publish_until TIMESTAMPTZ
);

-- +goose Down
DROP TABLE ward_oauth2_signing_keys;
DROP TABLE ward_oauth2_devices;
DROP TABLE ward_oauth2_login_sessions;
DROP TABLE ward_oauth2_consents;
DROP TABLE ward_oauth2_flows;
DROP TABLE ward_oauth2_revocations;
DROP TABLE ward_oauth2_tokens;
DROP TABLE ward_oauth2_grants;
DROP TABLE ward_oauth2_clients;
