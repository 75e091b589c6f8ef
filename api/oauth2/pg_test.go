package oauth2_test

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestMain shares one PostgreSQL server among the tests that need it (the OAuth2 end-to-end tests
// run on it as well as on memory) and removes it at the end.
func TestMain(m *testing.M) {
	pgOAuth2Store = newPGOAuth2Store
	pgtest.Main(m)
}

// newPGOAuth2Store returns the OAuth2 store of a new migrated database on the shared server.
func newPGOAuth2Store(t *testing.T) store.OAuth2Store {
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
	return s.OAuth2()
}
