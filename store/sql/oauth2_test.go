package sql_test

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
	"github.com/wardhq/ward/store/storetest"
)

func TestOAuth2Suite(t *testing.T) {
	storetest.TestOAuth2(t, func(t *testing.T) store.OAuth2Store {
		return openStore(t, freshDatabase(t)).OAuth2()
	})
}

// TestCockroachOAuth2Suite runs the suite on CockroachDB when WARD_TEST_COCKROACH_DSN names a
// cluster (see cockroachDatabase), and is skipped otherwise.
func TestCockroachOAuth2Suite(t *testing.T) {
	cockroachCluster(t)
	storetest.TestOAuth2(t, func(t *testing.T) store.OAuth2Store {
		return openStore(t, cockroachDatabase(t)).OAuth2()
	})
}

func BenchmarkLookupToken(b *testing.B) {
	s, err := storesql.Open(context.Background(), pgtest.Shared(b).NewMigratedDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkLookupToken(b, s.OAuth2(), 10000)
}
