package sql_test

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
	"github.com/wardhq/ward/store/storetest"
)

func TestIdentitySuite(t *testing.T) {
	storetest.TestIdentity(t, func(t *testing.T) store.IdentityStore {
		return openStore(t, freshDatabase(t)).Identity()
	})
}

// TestCockroachIdentitySuite runs the suite on CockroachDB when WARD_TEST_COCKROACH_DSN names a
// cluster (see cockroachDatabase), and is skipped otherwise.
func TestCockroachIdentitySuite(t *testing.T) {
	cockroachCluster(t)
	storetest.TestIdentity(t, func(t *testing.T) store.IdentityStore {
		return openStore(t, cockroachDatabase(t)).Identity()
	})
}

func BenchmarkLookupSession(b *testing.B) {
	storetest.BenchmarkLookupSession(b, openBenchStore(b).Identity(), 10000)
}

func BenchmarkFindByIdentifier(b *testing.B) {
	storetest.BenchmarkFindByIdentifier(b, openBenchStore(b).Identity(), 10000)
}

// openBenchStore opens a store on a fresh, migrated database of the shared server.
func openBenchStore(b *testing.B) *storesql.Store {
	s, err := storesql.Open(context.Background(), pgtest.Shared(b).NewMigratedDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
