// Package migrations owns ward's database schema: versioned SQL files embedded into the binary, one
// directory per SQL dialect, and the code that applies them.
//
// The files are goose SQL migrations (`-- +goose Up` / `-- +goose Down` sections), numbered
// 00001_name.sql, 00002_name.sql and so on; each runs in one transaction together with the row that
// records it, so a migration is applied entirely or not at all. postgres/ and cockroachdb/ hold
// the same versions: a new migration is added to both. cockroachdb-multiregion/ is an optional,
// separately versioned set that runs after cockroachdb/ and sets table localities.
//
// [Up] applies what is pending and is safe to run from many processes at once: one of them applies
// the migrations while holding a database-wide lock, and the others wait for the lock and then find
// nothing left to do. The applied versions are recorded in the table ward_migrations (and
// ward_migrations_multiregion for the multi-region set). [Check] is what a server calls at start to
// refuse a database whose schema is older ([ErrBehind]) or newer ([ErrAhead]) than the binary;
// [Status] lists every migration. Neither of them locks or writes anything.
package migrations

import (
	"database/sql"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed postgres/*.sql cockroachdb/*.sql cockroachdb-multiregion/*.sql
var files embed.FS

// Open returns a database handle for a PostgreSQL or CockroachDB DSN, in URL form
// (postgres://user@host:5432/db?sslmode=disable) or keyword/value form (host=… dbname=…), through
// pgx's database/sql driver. Like [sql.Open] it does not connect: a wrong host or password shows up
// at the first query. The caller closes the handle.
func Open(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors show the DSN with its password masked.
		return nil, fmt.Errorf("database DSN: %w", err)
	}
	return stdlib.OpenDB(*cfg), nil
}
