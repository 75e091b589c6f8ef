package oauth2_test

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestMain shares one PostgreSQL server among the tests that run on it, and removes it at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }

// stores returns the stores a test runs on: memory, and PostgreSQL unless -short.
func stores() map[string]func(t *testing.T) store.OAuth2Store {
	return map[string]func(t *testing.T) store.OAuth2Store{
		"memory": func(*testing.T) store.OAuth2Store { return memory.NewOAuth2Store() },
		"postgres": func(t *testing.T) store.OAuth2Store {
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
		},
	}
}
