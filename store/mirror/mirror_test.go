package mirror_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/mirror"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
	"github.com/wardhq/ward/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// open returns a mirror of a fresh PostgreSQL database, and the database's store.
func open(t *testing.T, opts ...mirror.Option) (*mirror.Store, *storesql.Store) {
	t.Helper()
	src, err := storesql.Open(context.Background(), pgtest.Shared(t).NewMigratedDatabase(t), storesql.WithPollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mirror.Open(context.Background(), src, opts...)
	if err != nil {
		src.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, src
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		m, _ := open(t)
		return m
	})
}

func TestEngineSuite(t *testing.T) {
	if os.Getenv("WARD_TEST_SCHEMAS") == "" {
		t.Setenv("WARD_TEST_SCHEMAS", "100") // a database per schema: see store/sql's suite
	}
	enginetest.Run(t, func(t *testing.T) store.Store {
		m, _ := open(t)
		return m
	})
}

// TestLoadsExistingData opens a mirror over a database that already holds tuples, larger than a
// page of the initial load, and checks them from memory.
func TestLoadsExistingData(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	src, err := storesql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}
	const n = 25_000
	var updates []store.Update
	for i := range n {
		tu, _ := store.ParseTuple(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		updates = append(updates, store.Update{Op: store.Touch, Tuple: tu})
	}
	for i := 0; i < n; i += engine.MaxWriteBatch {
		if _, _, err := e.WriteTuples(ctx, updates[i:min(i+engine.MaxWriteBatch, n)], nil); err != nil {
			t.Fatal(err)
		}
	}
	src.Close()

	m, err := mirror.Open(ctx, mustOpen(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	e2, err := engine.New(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 9_999, 10_000, n - 1} {
		item, _ := engine.ParseCheckItem(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		if ok, _, err := e2.Check(ctx, engine.Consistency{Mode: engine.FullyConsistent}, item); err != nil || !ok {
			t.Errorf("check of loaded tuple %d = %v, %v", i, ok, err)
		}
	}
}

func mustOpen(t *testing.T, dsn string) *storesql.Store {
	t.Helper()
	s, err := storesql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
