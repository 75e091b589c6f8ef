-- Table localities for a multi-region CockroachDB cluster, applied after cockroachdb/ and versioned
-- on its own (table ward_migrations_multiregion). The database must be multi-region first; the
-- operator chooses the regions:
--
--   ALTER DATABASE ward PRIMARY REGION "us-east1";
--   ALTER DATABASE ward ADD REGION "europe-west1";
--   ALTER DATABASE ward ADD REGION "asia-southeast1";
--
-- ward_tuples becomes REGIONAL BY ROW: a hidden crdb_region column, defaulting to the region of the
-- gateway that inserted the row, places each tuple in that region, so writes and strongly
-- consistent reads of a tuple are fast there; other regions read it with follower reads
-- (AS OF SYSTEM TIME follower_read_timestamp()). Uniqueness (the primary key, ward_tuples_live) is
-- still checked across all regions on insert, which costs a cross-region read.
--
-- ward_schemas becomes GLOBAL: every region reads the current schema locally and without staleness,
-- and schema writes, which are rare, pay the cross-region latency.
--
-- ward_head, ward_commits and this set's version table stay REGIONAL BY TABLE in the primary
-- region; see cockroachdb/00001_tuples.sql on ward_head.
--
-- Changing a table's locality is a schema change that rewrites the table; CockroachDB advises
-- running such changes outside explicit transactions, so this migration runs without one. Both
-- statements are idempotent, so a run that stops halfway can simply be repeated.

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE ward_tuples SET LOCALITY REGIONAL BY ROW;
ALTER TABLE ward_schemas SET LOCALITY GLOBAL;

-- +goose Down
ALTER TABLE ward_schemas SET LOCALITY REGIONAL BY TABLE IN PRIMARY REGION;
ALTER TABLE ward_tuples SET LOCALITY REGIONAL BY TABLE IN PRIMARY REGION;
