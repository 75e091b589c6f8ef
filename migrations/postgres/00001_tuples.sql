-- ward's first schema: relationship tuples with MVCC revisions, the commit log, and schema versions.
--
-- Revisions are commit counters: every write transaction increments ward_head.revision, whose row
-- lock it holds until it commits, so revision order is commit order. A tuple version is visible at
-- revision R when created_rev <= R < deleted_rev; deletion sets deleted_rev, and garbage collection
-- removes versions deleted before the retention window. The tuple table is therefore its own change
-- log: the changes of revision R are the rows created or deleted at R. Text columns collate as
-- bytes ("C"), the order in which ward pages through tuples.

-- +goose Up
CREATE TABLE ward_head (
    singleton         BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    revision          BIGINT NOT NULL,
    -- History before this revision has been garbage-collected: no snapshot older than it is
    -- readable.
    collected_through BIGINT NOT NULL DEFAULT 0
);
INSERT INTO ward_head (singleton, revision) VALUES (TRUE, 0);

-- One row per commit. transaction_id tells, after a connection is lost during COMMIT, whether
-- this transaction's commit took effect (another may reuse the revision number if it did not).
CREATE TABLE ward_commits (
    revision       BIGINT PRIMARY KEY,
    transaction_id UUID NOT NULL,
    committed_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    schema_changed BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE ward_tuples (
    resource_type    TEXT COLLATE "C" NOT NULL,
    resource_id      TEXT COLLATE "C" NOT NULL,
    relation         TEXT COLLATE "C" NOT NULL,
    subject_type     TEXT COLLATE "C" NOT NULL,
    subject_id       TEXT COLLATE "C" NOT NULL,
    subject_relation TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_rev      BIGINT NOT NULL,
    deleted_rev      BIGINT NOT NULL DEFAULT 9223372036854775807,
    PRIMARY KEY (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, created_rev)
);
-- At most one live version of a tuple.
CREATE UNIQUE INDEX ward_tuples_live ON ward_tuples
    (resource_type, resource_id, relation, subject_type, subject_id, subject_relation)
    WHERE deleted_rev = 9223372036854775807;
-- Reverse lookups: which resources hold this subject.
CREATE INDEX ward_tuples_by_subject ON ward_tuples
    (subject_type, subject_id, subject_relation, resource_type, relation, resource_id);
-- Watch and garbage collection.
CREATE INDEX ward_tuples_created ON ward_tuples (created_rev);
CREATE INDEX ward_tuples_deleted ON ward_tuples (deleted_rev) WHERE deleted_rev < 9223372036854775807;

CREATE TABLE ward_schemas (
    revision BIGINT PRIMARY KEY,
    text     TEXT NOT NULL
);

-- +goose Down
DROP TABLE ward_schemas;
DROP TABLE ward_tuples;
DROP TABLE ward_commits;
DROP TABLE ward_head;
