-- The identity service's state for CockroachDB: the same tables, columns and constraints as
-- postgres/00004_identity.sql (read that file for what they mean), so that store/sql runs the same
-- queries on both. Only the physical layout differs.
--
-- Every primary key is a random UUID or a hash, so inserts spread over the ranges: the domain
-- chooses random (version 4) identity, session and flow IDs here, since time-ordered (version 7)
-- ones would put every insert in the last range of the table. The indexes keyed by a time
-- (expires_at, invalidated_at) grow monotonically and are hash-sharded (USING HASH), as those of
-- 00002 are. Unique constraints on nullable columns ignore NULLs, as on PostgreSQL. Strings
-- compare bytewise without a collation. Foreign keys cascade as on PostgreSQL.

-- +goose Up
CREATE TABLE ward_identities (
    id                   UUID PRIMARY KEY,
    schema_id            STRING NOT NULL,
    traits               BYTES,
    state                STRING NOT NULL,
    state_changed_at     TIMESTAMPTZ,
    metadata_public      BYTES,
    metadata_admin       BYTES,
    external_id          STRING UNIQUE,
    credentials          JSONB NOT NULL,
    verifiable_addresses JSONB NOT NULL,
    recovery_addresses   JSONB NOT NULL,
    available_aal        STRING NOT NULL,
    version              INT8 NOT NULL,
    created_at           TIMESTAMPTZ,
    updated_at           TIMESTAMPTZ
);

CREATE TABLE ward_identity_keys (
    kind        INT2 NOT NULL,
    scope       STRING NOT NULL,
    value       STRING NOT NULL,
    identity_id UUID NOT NULL REFERENCES ward_identities (id) ON DELETE CASCADE,
    PRIMARY KEY (kind, scope, value),
    INDEX ward_identity_keys_by_identity (identity_id),
    INDEX ward_identity_keys_by_value (value, kind)
);

CREATE TABLE ward_sessions (
    id                     UUID PRIMARY KEY,
    token_key              STRING NOT NULL UNIQUE,
    logout_token_key       STRING UNIQUE,
    identity_id            UUID NOT NULL REFERENCES ward_identities (id) ON DELETE CASCADE,
    active                 BOOL NOT NULL,
    authenticated_at       TIMESTAMPTZ,
    issued_at              TIMESTAMPTZ,
    expires_at             TIMESTAMPTZ,
    aal                    STRING NOT NULL,
    authentication_methods JSONB NOT NULL,
    devices                JSONB NOT NULL,
    created_at             TIMESTAMPTZ,
    updated_at             TIMESTAMPTZ,
    INDEX ward_sessions_by_identity (identity_id, id),
    INDEX ward_sessions_expires (expires_at) USING HASH
);

CREATE TABLE ward_session_invalidations (
    id             UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id     UUID,
    identity_id    UUID NOT NULL,
    invalidated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    INDEX ward_session_invalidations_at (invalidated_at) USING HASH
);

CREATE TABLE ward_selfservice_flows (
    id          UUID PRIMARY KEY,
    kind        STRING NOT NULL,
    identity_id UUID REFERENCES ward_identities (id) ON DELETE CASCADE,
    data        BYTES,
    version     INT8 NOT NULL,
    expires_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ,
    updated_at  TIMESTAMPTZ,
    INDEX ward_selfservice_flows_by_identity (identity_id),
    INDEX ward_selfservice_flows_expires (expires_at) USING HASH
);

-- +goose Down
DROP TABLE ward_selfservice_flows;
DROP TABLE ward_session_invalidations;
DROP TABLE ward_sessions;
DROP TABLE ward_identity_keys;
DROP TABLE ward_identities;
