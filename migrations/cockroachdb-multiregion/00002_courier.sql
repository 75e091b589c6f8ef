-- The courier's queue in a multi-region cluster (see 00001_localities.sql for the set):
-- ward_courier_messages becomes REGIONAL BY ROW, so that a message is kept in the region whose
-- gateway enqueued it, the region of the user who asked for a code, and the enqueue on the
-- self-service path writes there (the uniqueness of its id, which the domain chooses, is still
-- checked across regions, as for tuples). The workers' claims scan every region's rows: they run in the
-- background, where a cross-region read costs latency but no user waits for it, and a region
-- that is down holds up only the messages kept there.
--
-- Like 00001, this changes a table's locality outside a transaction, idempotently.

-- +goose NO TRANSACTION
-- +goose Up
ALTER TABLE ward_courier_messages SET LOCALITY REGIONAL BY ROW;

-- +goose Down
ALTER TABLE ward_courier_messages SET LOCALITY REGIONAL BY TABLE IN PRIMARY REGION;
