-- ward's first schema for CockroachDB: the same tables, columns and constraints as
-- postgres/00001_tuples.sql (read that file for what they mean), so that store/sql runs the same
-- queries on both. Only the physical layout differs.
--
-- CockroachDB splits a table's key space into ranges and sends every write to the range that owns
-- its key. Keys that grow monotonically (revisions) land in the last range of the table or index,
-- so under load one node takes every insert: a hot spot. Where an index is keyed by a revision, it
-- is therefore hash-sharded (USING HASH): a hidden bucket column spreads consecutive revisions over
-- 16 ranges, and range scans by revision (Watch, garbage collection) read the buckets in parallel.
-- The tuple primary key starts with the resource type and id, which are not sequential.
--
-- Revisions: store/sql does not count commits here as it does on PostgreSQL, where every write
-- locks ward_head's one row. That would serialize all writes through one range and, in a
-- multi-region cluster, put a round trip to its leaseholder inside every write transaction. On
-- CockroachDB a revision is the transaction's commit timestamp (cluster_logical_timestamp(), in
-- microseconds), which needs no shared row; see store/sql/cockroach.go. ward_head keeps the same
-- columns as on PostgreSQL; here only collected_through, written by garbage collection once a
-- minute, is used.
--
-- Partial indexes and unique partial indexes work on CockroachDB as on PostgreSQL; none of ward's
-- indexes uses INCLUDE (CockroachDB's spelling would be STORING), so they carry over unchanged.

-- +goose Up
CREATE TABLE ward_head (
    singleton         BOOL PRIMARY KEY DEFAULT true CHECK (singleton),
    revision          INT8 NOT NULL,
    collected_through INT8 NOT NULL DEFAULT 0
);
INSERT INTO ward_head (singleton, revision) VALUES (true, 0);

CREATE TABLE ward_commits (
    revision       INT8 NOT NULL,
    transaction_id UUID NOT NULL,
    committed_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    schema_changed BOOL NOT NULL DEFAULT false,
    -- Two transactions may commit in the same microsecond, so the key needs the transaction.
    -- Revisions are sequential: hash-shard the primary key so that commits do not all land in one
    -- range.
    PRIMARY KEY (revision, transaction_id) USING HASH
);

CREATE TABLE ward_tuples (
    resource_type    STRING NOT NULL,
    resource_id      STRING NOT NULL,
    relation         STRING NOT NULL,
    subject_type     STRING NOT NULL,
    subject_id       STRING NOT NULL,
    subject_relation STRING NOT NULL DEFAULT '',
    created_rev      INT8   NOT NULL,
    deleted_rev      INT8   NOT NULL DEFAULT 9223372036854775807,
    PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, created_rev),
    -- At most one live version of a tuple.
    UNIQUE INDEX ward_tuples_live
        (resource_type, resource_id, relation, subject_type, subject_id, subject_relation)
        WHERE deleted_rev = 9223372036854775807,
    -- Reverse lookups: which resources hold this subject.
    INDEX ward_tuples_by_subject
        (subject_type, subject_id, subject_relation, resource_type, relation, resource_id),
    -- Watch and garbage collection. Both are keyed by revisions, which are sequential.
    INDEX ward_tuples_created (created_rev) USING HASH,
    INDEX ward_tuples_deleted (deleted_rev) USING HASH WHERE deleted_rev < 9223372036854775807
);

CREATE TABLE ward_schemas (
    -- Written once per schema change, rarely: no hot spot, no hash sharding.
    revision INT8 PRIMARY KEY,
    text     STRING NOT NULL
);

-- +goose Down
DROP TABLE ward_schemas;
DROP TABLE ward_tuples;
DROP TABLE ward_commits;
DROP TABLE ward_head;
