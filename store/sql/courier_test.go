package sql_test

import (
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/storetest"
)

func TestCourierSuite(t *testing.T) {
	storetest.TestCourier(t, func(t *testing.T) store.CourierStore {
		return openStore(t, freshDatabase(t)).Courier()
	})
}

// TestCockroachCourierSuite runs the suite on CockroachDB when WARD_TEST_COCKROACH_DSN names a
// cluster (see cockroachDatabase), and is skipped otherwise.
func TestCockroachCourierSuite(t *testing.T) {
	cockroachCluster(t)
	storetest.TestCourier(t, func(t *testing.T) store.CourierStore {
		return openStore(t, cockroachDatabase(t)).Courier()
	})
}
