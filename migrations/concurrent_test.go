package migrations_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/migrations"
)

// TestUpConcurrently runs Up from 8 goroutines at once, each with its own *sql.DB (so its own
// connections, as separate processes would have), under each kind of lock, on a fresh database and
// on one being upgraded: exactly one applies each migration, the others find nothing to do, and
// none fails. Without a lock, the upgrade case fails: the losers' CREATE TABLE statements collide.
func TestUpConcurrently(t *testing.T) {
	for _, tc := range []struct {
		name    string
		upgrade bool
		up      func(context.Context, *sql.DB) ([]migrations.Applied, error)
	}{
		{"advisory lock/fresh", false, upPostgres},
		{"advisory lock/upgrade", true, upPostgres},
		// CockroachDB's lock, proven on PostgreSQL.
		{"table lock/fresh", false, migrations.UpWithTableLock},
		{"table lock/upgrade", true, migrations.UpWithTableLock},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := freshDatabase(t)
			const workers = 8
			dbs := make([]*sql.DB, workers)
			for i := range dbs {
				dbs[i] = openDB(t, dsn)
				if err := dbs[i].PingContext(t.Context()); err != nil { // connect before the race
					t.Fatal(err)
				}
			}
			if tc.upgrade {
				createVersionTable(t, dbs[0])
			}
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			var (
				start   = make(chan struct{})
				wg      sync.WaitGroup
				results = make([][]migrations.Applied, workers)
				errs    = make([]error, workers)
				took    = make([]time.Duration, workers)
			)
			for i := range workers {
				wg.Go(func() {
					<-start
					t0 := time.Now()
					results[i], errs[i] = tc.up(ctx, dbs[i])
					took[i] = time.Since(t0)
				})
			}
			close(start)
			wg.Wait()

			applied := map[int64]int{}
			for i := range workers {
				if errs[i] != nil {
					t.Errorf("worker %d: %v", i, errs[i])
				}
				for _, a := range results[i] {
					applied[a.Version]++
				}
			}
			t.Logf("Up took %v", took)
			n := migrationCount(t)
			if len(applied) != n {
				t.Errorf("%d migrations applied, want %d", len(applied), n)
			}
			for v, times := range applied {
				if times != 1 {
					t.Errorf("migration %d applied %d times", v, times)
				}
			}
			rows := versionRows(t, dbs[0])
			if len(rows) != n+1 { // with goose's version 0
				t.Errorf("ward_migrations records versions %v, want 0 and %d migrations", rows, n)
			}
			for v, count := range rows {
				if count != 1 {
					t.Errorf("ward_migrations has %d rows for version %d, want 1", count, v)
				}
			}
			wantTables(t, dbs[0], wardTables...)
			if err := migrations.Check(t.Context(), dbs[0], migrations.Postgres); err != nil {
				t.Errorf("Check: %v", err)
			}
		})
	}
}

func upPostgres(ctx context.Context, db *sql.DB) ([]migrations.Applied, error) {
	return migrations.Up(ctx, db, migrations.Postgres)
}

// TestUpWaitsForTheLock holds the migration lock elsewhere: Up waits for it, gives up when its
// context ends, and applies the migrations once the lock is free.
func TestUpWaitsForTheLock(t *testing.T) {
	dsn := freshDatabase(t)
	holder := openDB(t, dsn)
	conn, err := holder.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_lock($1)", migrations.AdvisoryLockID); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dsn)

	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	applied, err := migrations.Up(ctx, db, migrations.Postgres)
	if err == nil || len(applied) != 0 {
		t.Fatalf("Up while the lock is held elsewhere: applied %+v, %v; want a timeout", applied, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Up took %v to notice its context ended", took)
	}
	t.Logf("Up gave up: %v", err)

	done := make(chan error, 1)
	go func() {
		_, err := migrations.Up(t.Context(), db, migrations.Postgres)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Up returned while the lock was held elsewhere: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := conn.ExecContext(t.Context(), "SELECT pg_advisory_unlock($1)", migrations.AdvisoryLockID); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Up after the lock was released: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Up did not take the released lock within 10 s")
	}
	wantTables(t, db, wardTables...)
}
