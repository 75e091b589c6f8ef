package kratos_test

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestMain shares one PostgreSQL server among the tests that run over it, and removes it at the
// end.
func TestMain(m *testing.M) {
	pgIdentityStore = newPGIdentityStore
	pgtest.Main(m)
}

// newPGIdentityStore returns the identity store of a new migrated database on the shared server.
func newPGIdentityStore(t *testing.T) store.IdentityStore {
	t.Helper()
	if testing.Short() {
		t.Skip("PostgreSQL tests are skipped in -short mode")
	}
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	s, err := sql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.Identity()
}
