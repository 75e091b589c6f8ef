package pgtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/store/sql/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestStartRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	begin := time.Now()
	s := pgtest.Start(t)
	t.Logf("server started in %v", time.Since(begin))

	db1, db2 := s.NewDatabase(t), s.NewDatabase(t)
	if db1 == db2 || db1 == s.DSN() {
		t.Fatalf("NewDatabase returned %q and %q (server DSN %q), want three different DSNs", db1, db2, s.DSN())
	}
	exec(ctx, t, db1, "CREATE TABLE t (v text)", "INSERT INTO t VALUES ('one')")
	// A fresh database is empty: db2 does not see db1's table.
	if got := countTables(ctx, t, db2); got != 0 {
		t.Fatalf("second database has %d tables, want 0", got)
	}

	conn := connect(ctx, t, db1)
	begin = time.Now()
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("server restarted in %v", time.Since(begin))
	if err := conn.Ping(ctx); err == nil {
		t.Error("a connection opened before Restart still works after it")
	}

	if got := queryString(ctx, t, db1, "SELECT v FROM t"); got != "one" {
		t.Errorf("after restart, got %q from db1, want %q", got, "one")
	}
	if got := countTables(ctx, t, db2); got != 0 {
		t.Errorf("after restart, second database has %d tables, want 0", got)
	}
}

func TestStartPair(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	begin := time.Now()
	primary, replica := pgtest.StartPair(t)
	t.Logf("pair started in %v", time.Since(begin))

	exec(ctx, t, primary.DSN(), "CREATE TABLE t (v int)", "INSERT INTO t VALUES (1)")
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if got := queryString(ctx, t, replica.DSN(), "SELECT string_agg(v::text, ',' ORDER BY v) FROM t"); got != "1" {
		t.Fatalf("replica has rows %q, want %q", got, "1")
	}
	if err := execErr(ctx, replica.DSN(), "INSERT INTO t VALUES (9)"); err == nil {
		t.Error("a write on the replica succeeded, want an error")
	}

	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	exec(ctx, t, primary.DSN(), "INSERT INTO t VALUES (2)")
	// Wait until the replica has received the write, so that not showing it proves the pause.
	lsn := queryString(ctx, t, primary.DSN(), "SELECT pg_current_wal_lsn()::text")
	waitFor(ctx, t, replica.DSN(), "SELECT pg_last_wal_receive_lsn() >= '"+lsn+"'::pg_lsn")
	if got := queryString(ctx, t, replica.DSN(), "SELECT string_agg(v::text, ',' ORDER BY v) FROM t"); got != "1" {
		t.Fatalf("paused replica has rows %q, want %q", got, "1")
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := replica.WaitCaughtUp(short, primary); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitCaughtUp on a paused replica: %v, want a deadline error", err)
	}

	if err := replica.ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if got := queryString(ctx, t, replica.DSN(), "SELECT string_agg(v::text, ',' ORDER BY v) FROM t"); got != "1,2" {
		t.Fatalf("resumed replica has rows %q, want %q", got, "1,2")
	}
}

func TestShared(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	s := pgtest.Shared(t)
	if again := pgtest.Shared(t); again != s {
		t.Fatal("Shared returned two different servers")
	}
	for _, name := range []string{"a", "b"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := pgtest.Shared(t).NewDatabase(t)
			exec(ctx, t, dsn, "CREATE TABLE t (v text)", "INSERT INTO t VALUES ('"+name+"')")
			if got := queryString(ctx, t, dsn, "SELECT string_agg(v, ',') FROM t"); got != name {
				t.Errorf("got %q, want %q", got, name)
			}
		})
	}
}

// testContext returns a context that ends with the test, and after two minutes at most.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func connect(ctx context.Context, t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", dsn, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func execErr(ctx context.Context, dsn string, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func exec(ctx context.Context, t testing.TB, dsn string, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		if err := execErr(ctx, dsn, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

func queryString(ctx context.Context, t testing.TB, dsn, sql string) string {
	t.Helper()
	conn := connect(ctx, t, dsn)
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

func countTables(ctx context.Context, t testing.TB, dsn string) int {
	t.Helper()
	conn := connect(ctx, t, dsn)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// waitFor polls a boolean query until it is true.
func waitFor(ctx context.Context, t testing.TB, dsn, sql string) {
	t.Helper()
	conn := connect(ctx, t, dsn)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, sql).Scan(&ok); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: still false: %v", sql, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}
