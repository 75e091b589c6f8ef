-- The OAuth2 server's state (store.OAuth2Store): clients, grants and their tokens, revocations,
-- login-and-consent flows, remembered consent, login sessions, device authorizations and signing
-- keys. None of it is versioned by revision: these are plain records, and the few steps that must
-- be atomic take row locks (store/sql/oauth2*.go).
--
-- Conventions: a zero Go time is NULL, and a NULL expires_at never expires; a flow handle not yet
-- issued is NULL, so that the unique indexes on handles ignore it; lists are TEXT[]. Secrets are
-- never stored usable: tokens and device codes are keyed by a hash of their signature, client
-- secrets by their bcrypt hash, user codes by a hash. No table has a sequential key: IDs and keys
-- are random, and the revocation log is keyed by a random UUID.

-- +goose Up
CREATE TABLE ward_oauth2_clients (
    id                        TEXT COLLATE "C" PRIMARY KEY,
    secret_hash               TEXT NOT NULL,
    name                      TEXT NOT NULL,
    redirect_uris             TEXT[],
    post_logout_redirect_uris TEXT[],
    grant_types               TEXT[],
    response_types            TEXT[],
    scopes                    TEXT[],
    audiences                 TEXT[],
    auth_method               TEXT NOT NULL,
    jwks                      BYTEA,
    access_token_format       TEXT NOT NULL,
    created_at                TIMESTAMPTZ,
    updated_at                TIMESTAMPTZ
);

-- A grant is the root of a token family: revoking it deletes it with its tokens.
CREATE TABLE ward_oauth2_grants (
    id         TEXT COLLATE "C" PRIMARY KEY,
    client_id  TEXT COLLATE "C" NOT NULL,
    subject    TEXT COLLATE "C" NOT NULL,
    scopes     TEXT[],
    audiences  TEXT[],
    auth_time  TIMESTAMPTZ,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    session    BYTEA
);
-- RevokeGrants (a subject's grants, to one client or all) and DeleteClient.
CREATE INDEX ward_oauth2_grants_by_subject ON ward_oauth2_grants (subject, client_id);
CREATE INDEX ward_oauth2_grants_by_client ON ward_oauth2_grants (client_id);
CREATE INDEX ward_oauth2_grants_expires ON ward_oauth2_grants (expires_at);

-- kind is a store.TokenKind: 1 access token, 2 refresh token, 3 authorization code.
CREATE TABLE ward_oauth2_tokens (
    kind       SMALLINT NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    grant_id   TEXT COLLATE "C" NOT NULL,
    issued_at  TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    used_at    TIMESTAMPTZ,
    data       BYTEA,
    PRIMARY KEY (kind, key)
);
CREATE INDEX ward_oauth2_tokens_by_grant ON ward_oauth2_tokens (grant_id);
CREATE INDEX ward_oauth2_tokens_expires ON ward_oauth2_tokens (expires_at);

-- What every node's caches must drop. token_key is '' for a whole grant. revoked_at is the
-- database's clock at the revocation, which RevokedSince compares with its own reading.
CREATE TABLE ward_oauth2_revocations (
    id         UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    grant_id   TEXT COLLATE "C" NOT NULL,
    token_key  TEXT COLLATE "C" NOT NULL DEFAULT '',
    revoked_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ward_oauth2_revocations_at ON ward_oauth2_revocations (revoked_at);

-- state is a store.FlowState. A handle is NULL until issued.
CREATE TABLE ward_oauth2_flows (
    id                TEXT COLLATE "C" PRIMARY KEY,
    login_challenge   TEXT COLLATE "C" UNIQUE,
    login_verifier    TEXT COLLATE "C" UNIQUE,
    consent_challenge TEXT COLLATE "C" UNIQUE,
    consent_verifier  TEXT COLLATE "C" UNIQUE,
    client_id         TEXT COLLATE "C" NOT NULL,
    subject           TEXT COLLATE "C" NOT NULL,
    state             SMALLINT NOT NULL,
    created_at        TIMESTAMPTZ,
    expires_at        TIMESTAMPTZ,
    data              BYTEA
);
CREATE INDEX ward_oauth2_flows_expires ON ward_oauth2_flows (expires_at);

CREATE TABLE ward_oauth2_consents (
    subject    TEXT COLLATE "C" NOT NULL,
    client_id  TEXT COLLATE "C" NOT NULL,
    scopes     TEXT[],
    audiences  TEXT[],
    granted_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ,
    PRIMARY KEY (subject, client_id)
);
CREATE INDEX ward_oauth2_consents_by_client ON ward_oauth2_consents (client_id);
CREATE INDEX ward_oauth2_consents_expires ON ward_oauth2_consents (expires_at);

CREATE TABLE ward_oauth2_login_sessions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    subject          TEXT COLLATE "C" NOT NULL,
    authenticated_at TIMESTAMPTZ,
    expires_at       TIMESTAMPTZ
);
CREATE INDEX ward_oauth2_login_sessions_by_subject ON ward_oauth2_login_sessions (subject);
CREATE INDEX ward_oauth2_login_sessions_expires ON ward_oauth2_login_sessions (expires_at);

-- state is a store.DeviceState.
CREATE TABLE ward_oauth2_devices (
    device_code_key TEXT COLLATE "C" PRIMARY KEY,
    user_code_key   TEXT COLLATE "C" NOT NULL UNIQUE,
    client_id       TEXT COLLATE "C" NOT NULL,
    scopes          TEXT[],
    audiences       TEXT[],
    state           SMALLINT NOT NULL,
    subject         TEXT COLLATE "C" NOT NULL,
    created_at      TIMESTAMPTZ,
    expires_at      TIMESTAMPTZ,
    last_polled_at  TIMESTAMPTZ,
    data            BYTEA
);
CREATE INDEX ward_oauth2_devices_by_client ON ward_oauth2_devices (client_id);
CREATE INDEX ward_oauth2_devices_expires ON ward_oauth2_devices (expires_at);

CREATE TABLE ward_oauth2_signing_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    algorithm     TEXT NOT NULL,
    private_key   BYTEA NOT NULL,
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
