package memory_test

import (
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/storetest"
)

func TestIdentitySuite(t *testing.T) {
	storetest.TestIdentity(t, func(*testing.T) store.IdentityStore { return memory.NewIdentityStore() })
}

func BenchmarkLookupSession(b *testing.B) {
	storetest.BenchmarkLookupSession(b, memory.NewIdentityStore(), 10000)
}

func BenchmarkFindByIdentifier(b *testing.B) {
	storetest.BenchmarkFindByIdentifier(b, memory.NewIdentityStore(), 10000)
}
