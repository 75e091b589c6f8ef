-- The identity service's state (store.IdentityStore): identities with their credentials and
-- addresses, sessions, the session invalidation feed, and self-service flows. As with 00002,
-- none of it is versioned by revision; the steps that must be atomic take row locks
-- (store/sql/identity*.go).
--
-- An identity is one row: its credentials and addresses are JSONB documents in ward's own encoding
-- (store/sql/identity_codec.go), so that reading an identity, the login and whoami paths
-- included, reads one row. The values that must be unique across identities (credential
-- identifiers by type, verifiable and recovery addresses by via) are also rows of
-- ward_identity_keys, whose primary key makes them unique and finds their identity; the two are
-- written in the same transaction. Traits, metadata, configs and flow data are the domain's bytes,
-- kept as given (BYTEA, not JSONB, which would reorder them).
--
-- Conventions: a zero Go time is NULL, and a NULL expires_at never expires; an absent external ID
-- or logout token is NULL, so that their unique indexes ignore it. Every key is a random UUID
-- chosen by the domain, or a hash; the invalidation log is keyed by a random UUID. Strings that
-- are matched are COLLATE "C": identifiers match bytewise, and the domain normalizes them.

-- +goose Up
CREATE TABLE ward_identities (
    id                   UUID PRIMARY KEY,
    schema_id            TEXT NOT NULL,
    traits               BYTEA,
    state                TEXT NOT NULL,
    state_changed_at     TIMESTAMPTZ,
    metadata_public      BYTEA,
    metadata_admin       BYTEA,
    external_id          TEXT COLLATE "C" UNIQUE,
    credentials          JSONB NOT NULL,
    verifiable_addresses JSONB NOT NULL,
    recovery_addresses   JSONB NOT NULL,
    available_aal        TEXT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ
);

-- kind is a store.IdentityKeyKind: 3 a credential identifier (scope: the credential type), 4 a
-- verifiable address, 5 a recovery address (scope: the via).
CREATE TABLE ward_identity_keys (
    kind        SMALLINT NOT NULL,
    scope       TEXT COLLATE "C" NOT NULL,
    value       TEXT COLLATE "C" NOT NULL,
    identity_id UUID NOT NULL REFERENCES ward_identities (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, scope, value)
);
CREATE INDEX ward_identity_keys_by_identity ON ward_identity_keys (identity_id);
-- ListIdentities' credentials_identifier filter: an identifier of any credential type.
CREATE INDEX ward_identity_keys_by_value ON ward_identity_keys (value, kind);

-- token_key and logout_token_key are the domain's hashes of the session's tokens.
CREATE TABLE ward_sessions (
    id                     UUID PRIMARY KEY,
    token_key              TEXT COLLATE "C" NOT NULL UNIQUE,
    logout_token_key       TEXT COLLATE "C" UNIQUE,
    identity_id            UUID NOT NULL REFERENCES ward_identities (id) ON DELETE CASCADE,
    active                 BOOLEAN NOT NULL,
    authenticated_at       TIMESTAMPTZ,
    issued_at              TIMESTAMPTZ,
    expires_at             TIMESTAMPTZ,
    aal                    TEXT NOT NULL,
    authentication_methods JSONB NOT NULL,
    devices                JSONB NOT NULL,
    created_at             TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ
);
-- ListSessions of an identity, in ID order, and RevokeSessions.
CREATE INDEX ward_sessions_by_identity ON ward_sessions (identity_id, id);
CREATE INDEX ward_sessions_expires ON ward_sessions (expires_at);

-- What every node's whoami cache must drop. session_id is NULL for every session of the identity
-- (the identity changed or was deleted); the rows outlive both, so there is no foreign key.
-- invalidated_at is the database's clock, which SessionsInvalidatedSince compares with its own
-- reading.
CREATE TABLE ward_session_invalidations (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id     UUID,
    identity_id    UUID NOT NULL,
    invalidated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ward_session_invalidations_at ON ward_session_invalidations (invalidated_at);

-- kind is a store.SelfServiceFlowKind ("login", "registration", …).
CREATE TABLE ward_selfservice_flows (
    id          UUID PRIMARY KEY,
    kind        TEXT NOT NULL,
    identity_id UUID REFERENCES ward_identities (id) ON DELETE CASCADE,
    data        BYTEA,
    version     BIGINT NOT NULL,
    expires_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ
);
CREATE INDEX ward_selfservice_flows_by_identity ON ward_selfservice_flows (identity_id);
CREATE INDEX ward_selfservice_flows_expires ON ward_selfservice_flows (expires_at);

-- +goose Down
DROP TABLE ward_selfservice_flows;
DROP TABLE ward_session_invalidations;
DROP TABLE ward_sessions;
DROP TABLE ward_identity_keys;
DROP TABLE ward_identities;
