package sql_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
	"github.com/wardhq/ward/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// freshDatabase creates an empty, migrated database on the shared test server and returns its DSN.
func freshDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.Shared(t).NewMigratedDatabase(t)
}

func openStore(t *testing.T, dsn string, opts ...storesql.Option) *storesql.Store {
	t.Helper()
	s, err := storesql.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, freshDatabase(t), storesql.WithPollInterval(10*time.Millisecond))
	})
}

func TestEngineSuite(t *testing.T) {
	if os.Getenv("WARD_TEST_SCHEMAS") == "" {
		// Each random schema gets its own database here: keep the differential test shorter than
		// on the memory store, where it runs 1000.
		t.Setenv("WARD_TEST_SCHEMAS", "100")
	}
	enginetest.Run(t, func(t *testing.T) store.Store {
		return openStore(t, freshDatabase(t))
	})
}
