package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Dialect selects the SQL database ward's schema is written for. The zero value is not a dialect.
type Dialect int

const (
	// Postgres is PostgreSQL (13 or newer). Concurrent [Up] calls are serialized by a session-level
	// advisory lock, which needs a direct connection or a session-pooling proxy (PgBouncer in
	// transaction mode breaks it).
	Postgres Dialect = iota + 1
	// CockroachDB is CockroachDB in one region, or in several without table localities. Its
	// pg_advisory_lock functions are no-op stubs, so concurrent [Up] calls are serialized by a
	// lease in the table ward_migrations_lock instead (kept alive every 5 s, taken over 30 s after
	// its holder dies).
	CockroachDB
	// CockroachDBMultiRegion is [CockroachDB] followed by the set in cockroachdb-multiregion/, which
	// makes relationship tuples REGIONAL BY ROW and schemas GLOBAL. The database must already be
	// multi-region (ALTER DATABASE … PRIMARY REGION …, ADD REGION …): regions are the operator's
	// choice and are not in any migration.
	CockroachDBMultiRegion
)

// dialectNames are the names [ParseDialect] accepts, in the order of the constants.
var dialectNames = []string{"postgres", "cockroachdb", "cockroachdb-multiregion"}

// ParseDialect returns the dialect named postgres, cockroachdb or cockroachdb-multiregion.
func ParseDialect(name string) (Dialect, error) {
	for i, n := range dialectNames {
		if n == name {
			return Dialect(i + 1), nil
		}
	}
	return 0, fmt.Errorf("unknown SQL dialect %q (want %s)", name, strings.Join(dialectNames, ", "))
}

// String returns the dialect's name, as [ParseDialect] accepts it.
func (d Dialect) String() string {
	if d < Postgres || d > CockroachDBMultiRegion {
		return fmt.Sprintf("Dialect(%d)", int(d))
	}
	return dialectNames[d-1]
}

// Detect asks the server what it is, and returns [Postgres] or [CockroachDB] (never
// [CockroachDBMultiRegion]: table localities are a deployment's choice, not the server's).
func Detect(ctx context.Context, db *sql.DB) (Dialect, error) {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&v); err != nil {
		return 0, fmt.Errorf("asking the database for its version: %w", err)
	}
	if strings.Contains(v, "CockroachDB") {
		return CockroachDB, nil
	}
	return Postgres, nil
}

// lockKind is how concurrent [Up] calls exclude each other.
type lockKind int

const (
	advisoryLock lockKind = iota + 1 // PostgreSQL session-level advisory lock
	tableLock                        // a lease row in a table, for CockroachDB
)

// set is one sequence of migrations with its own version table.
type set struct {
	dir   string // directory in files
	table string // goose version table
}

// plan is what a dialect means for applying migrations.
type plan struct {
	dialect Dialect
	lock    lockKind
	sets    []set // applied in order
}

func (d Dialect) plan() (plan, error) {
	base := set{dir: d.String(), table: "ward_migrations"}
	switch d {
	case Postgres:
		return plan{dialect: d, lock: advisoryLock, sets: []set{base}}, nil
	case CockroachDB:
		return plan{dialect: d, lock: tableLock, sets: []set{base}}, nil
	case CockroachDBMultiRegion:
		return plan{dialect: d, lock: tableLock, sets: []set{
			{dir: CockroachDB.String(), table: "ward_migrations"},
			{dir: d.String(), table: "ward_migrations_multiregion"},
		}}, nil
	}
	return plan{}, fmt.Errorf("unknown SQL dialect %v", d)
}

// server is the kind of server a dialect's SQL runs on.
func (d Dialect) server() Dialect {
	if d == CockroachDBMultiRegion {
		return CockroachDB
	}
	return d
}
