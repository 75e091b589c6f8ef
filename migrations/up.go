package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Applied is one migration that [Up] applied.
type Applied struct {
	Set      string // the migration set: postgres, cockroachdb or cockroachdb-multiregion
	Version  int64
	Name     string // the file name, such as 00001_tuples.sql
	Duration time.Duration
}

const (
	// advisoryLockID is the PostgreSQL advisory lock that Up holds: "wardmigr" in ASCII. ward's own,
	// not goose's default, so that other goose users of the same database do not wait for ward.
	advisoryLockID int64 = 0x77_61_72_64_6d_69_67_72
	// lockTable and tableLockID are the lease that Up holds on CockroachDB.
	lockTable   = "ward_migrations_lock"
	tableLockID = 1
	// lockWait is how long Up waits for another process's migration, unless the context ends
	// first; lockPoll is how often a waiter tries to take CockroachDB's lease (±25%).
	lockWait = 30 * time.Minute
	lockPoll = time.Second
)

// Up applies the dialect's pending migrations, in order, and returns those it applied (none when
// the database was current). Each migration runs in its own transaction with the row that records
// it. When Up fails, the returned slice holds what was applied before the failure.
//
// Up is safe to call from any number of processes and goroutines at once: each holds a
// database-wide lock (see [Dialect]) while it lists and applies migrations, so exactly one applies
// them, and the others wait, then find nothing pending and return an empty slice. A waiting Up
// gives up after 30 minutes or when ctx ends.
//
// Up refuses a server of the wrong kind (CockroachDB for [Postgres], PostgreSQL for [CockroachDB]):
// PostgreSQL's advisory lock is a silent no-op on CockroachDB. It returns [Check]'s error when a
// newer ward has migrated the database.
func Up(ctx context.Context, db *sql.DB, d Dialect) ([]Applied, error) {
	p, err := d.plan()
	if err != nil {
		return nil, err
	}
	server, err := Detect(ctx, db)
	if err != nil {
		return nil, err
	}
	if server != d.server() {
		return nil, fmt.Errorf("the database is %s but the dialect is %s; use the dialect %s", serverName(server), d, server)
	}
	return up(ctx, db, p)
}

func up(ctx context.Context, db *sql.DB, p plan) ([]Applied, error) {
	var applied []Applied
	for _, s := range p.sets {
		prov, err := newProvider(db, s, p.lock)
		if err != nil {
			return applied, err
		}
		results, err := prov.Up(ctx)
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			results = partial.Applied
		}
		for _, r := range results {
			applied = append(applied, Applied{Set: s.dir, Version: r.Source.Version, Name: path.Base(r.Source.Path), Duration: r.Duration})
		}
		switch {
		case partial != nil:
			return applied, fmt.Errorf("migration %s/%s failed: %w", s.dir, path.Base(partial.Failed.Source.Path), partial.Err)
		case err != nil:
			return applied, fmt.Errorf("applying the %s migrations: %w", s.dir, err)
		}
	}
	// goose finds nothing to do in a database that a newer ward migrated: say so.
	return applied, check(ctx, db, p)
}

// newProvider returns a goose provider for one set. Providers and lockers keep state between calls
// (goose's lock retry budget is spent across calls), so each Up makes new ones.
func newProvider(db *sql.DB, s set, kind lockKind) (*goose.Provider, error) {
	fsys, err := fs.Sub(files, s.dir)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", s.dir, err)
	}
	opts := []goose.ProviderOption{
		goose.WithTableName(s.table),
		goose.WithDisableGlobalRegistry(true),
	}
	switch kind {
	case advisoryLock:
		opts = append(opts, goose.WithSessionLocker(advisoryLocker{id: advisoryLockID, wait: lockWait}))
	case tableLock:
		l, err := lock.NewPostgresTableLocker(
			lock.WithTableName(lockTable),
			lock.WithTableLockID(tableLockID),
			lock.WithTableLockTimeout(lockPoll, uint64(lockWait/lockPoll)),
		)
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithLocker(l))
	default:
		return nil, fmt.Errorf("unknown migration lock %d", kind)
	}
	prov, err := goose.NewProvider(goose.DialectPostgres, db, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", s.dir, err)
	}
	return prov, nil
}

func serverName(d Dialect) string {
	if d == CockroachDB {
		return "CockroachDB"
	}
	return "PostgreSQL"
}

// advisoryLocker is a goose [lock.SessionLocker] that holds a PostgreSQL session-level advisory
// lock on the connection that applies the migrations. It waits inside pg_advisory_lock, so waiters
// queue in PostgreSQL and each gets the lock as soon as the one before releases it. goose's own
// lock.NewPostgresSessionLocker polls pg_try_advisory_lock instead, at least a second apart, so n
// processes that start together need about n seconds to get through.
type advisoryLocker struct {
	id   int64
	wait time.Duration // how long SessionLock waits at most
}

var _ lock.SessionLocker = advisoryLocker{}

func (l advisoryLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", l.id); err != nil {
		// In case the lock came just as the wait ended; harmless when it did not.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(unlockCtx, "SELECT pg_advisory_unlock($1)", l.id)
		return fmt.Errorf("waiting for the migration lock (another ward is migrating): %w", err)
	}
	return nil
}

func (l advisoryLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var held bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_advisory_unlock($1)", l.id).Scan(&held); err != nil {
		return fmt.Errorf("releasing the migration lock: %w", err)
	}
	if !held {
		return errors.New("releasing the migration lock: it was not held")
	}
	return nil
}
