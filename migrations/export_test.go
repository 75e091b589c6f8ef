package migrations

import (
	"context"
	"database/sql"
)

// UpWithTableLock applies the PostgreSQL migrations under the lease lock that CockroachDB uses, so
// that the tests can prove that lock on PostgreSQL too.
func UpWithTableLock(ctx context.Context, db *sql.DB) ([]Applied, error) {
	p, err := Postgres.plan()
	if err != nil {
		return nil, err
	}
	p.lock = tableLock
	return up(ctx, db, p)
}

// AdvisoryLockID is the advisory lock that Up holds on PostgreSQL.
const AdvisoryLockID = advisoryLockID
