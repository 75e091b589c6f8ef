package sql_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/migrations"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/storetest"
)

// cockroachDatabase creates a fresh, migrated database on the CockroachDB cluster that
// WARD_TEST_COCKROACH_DSN names (a postgres:// URL of a user who may create databases), and
// returns its DSN. No CockroachDB can run on ward's CI machine, so without the variable the test
// is skipped; every behaviour these tests cover on CockroachDB is also covered on PostgreSQL.
func cockroachDatabase(t *testing.T) string {
	t.Helper()
	base := cockroachCluster(t)
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "postgres" && u.Scheme != "postgresql" {
		t.Fatalf("WARD_TEST_COCKROACH_DSN must be a postgres:// URL: %q", base)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var suffix [6]byte
	rand.Read(suffix[:])
	name := "ward_test_" + hex.EncodeToString(suffix[:])
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err == nil {
			conn.Exec(context.Background(), "DROP DATABASE "+name+" CASCADE")
			conn.Close(context.Background())
		}
	})
	u.Path = "/" + name
	dsn := u.String()
	db, err := migrations.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db, migrations.CockroachDB); err != nil {
		t.Fatalf("migrating %s: %v", name, err)
	}
	return dsn
}

// cockroachCluster returns WARD_TEST_COCKROACH_DSN, or skips the test when it is not set.
func cockroachCluster(t *testing.T) string {
	t.Helper()
	base := os.Getenv("WARD_TEST_COCKROACH_DSN")
	if base == "" {
		t.Skip("WARD_TEST_COCKROACH_DSN is not set: no CockroachDB to test against (set it to a postgres:// URL of a cluster)")
	}
	return base
}

func TestCockroachStoreSuite(t *testing.T) {
	cockroachCluster(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		st := openStore(t, cockroachDatabase(t), storesql.WithPollInterval(10*time.Millisecond))
		if !st.Cockroach() {
			t.Fatal("the store did not detect CockroachDB")
		}
		return st
	})
}

func TestCockroachEngineSuite(t *testing.T) {
	cockroachCluster(t)
	if os.Getenv("WARD_TEST_SCHEMAS") == "" {
		t.Setenv("WARD_TEST_SCHEMAS", "20") // a database per schema, and CockroachDB creates them slowly
	}
	enginetest.Run(t, func(t *testing.T) store.Store { return openStore(t, cockroachDatabase(t)) })
}

// TestCockroachRevisions checks what CockroachDB revisions promise: they are commit timestamps
// (close to the cluster clock, no counter row), concurrent writers each read their own write at
// their revision, and a minimize_latency snapshot with room for follower reads is the
// follower-read horizon, within max_staleness.
func TestCockroachRevisions(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, cockroachDatabase(t))
	before := time.Now()
	rev, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: mustTuple(t, "doc:a#viewer@user:x")}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if at := time.UnixMicro(int64(rev.Major)); at.Before(before.Add(-time.Second)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("revision %v is %v, not the commit's time (around %v)", rev, at, before)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		tu := mustTuple(t, "doc:c#viewer@user:u"+string(rune('0'+i)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			rev, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
				_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tu}})
				return err
			})
			if err != nil {
				errs <- err
				return
			}
			var found bool
			for got, err := range st.Snapshot(rev).QueryTuples(ctx, store.TupleFilter{ResourceType: "doc", ResourceIDs: []string{"c"}}, store.QueryOptions{}) {
				if err != nil {
					errs <- err
					return
				}
				found = found || got == tu
			}
			if !found {
				errs <- &missingWrite{tu, rev}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	const maxStaleness = 10 * time.Second
	var opt store.Revision
	for range 2 { // the first call measures the follower-read horizon's lag
		if opt, err = st.OptimizedRevision(ctx, maxStaleness); err != nil {
			t.Fatal(err)
		}
	}
	age := time.Since(time.UnixMicro(int64(opt.Major)))
	if age < time.Second || age > maxStaleness {
		t.Errorf("minimize_latency snapshot is %v old; want the follower-read horizon (seconds old), within %v", age, maxStaleness)
	}
	if _, err := st.Snapshot(opt).ReadSchema(ctx); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("reading the follower snapshot: %v", err)
	}
}

type missingWrite struct {
	tuple store.Tuple
	rev   store.Revision
}

func (m *missingWrite) Error() string {
	return "the snapshot of revision " + m.rev.String() + " lacks its own write " + m.tuple.String()
}

func mustTuple(t *testing.T, s string) store.Tuple {
	t.Helper()
	tu, err := store.ParseTuple(s)
	if err != nil {
		t.Fatal(err)
	}
	return tu
}
