package memory_test

import (
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/storetest"
)

func TestOAuth2Suite(t *testing.T) {
	storetest.TestOAuth2(t, func(*testing.T) store.OAuth2Store { return memory.NewOAuth2Store() })
}

func BenchmarkLookupToken(b *testing.B) {
	storetest.BenchmarkLookupToken(b, memory.NewOAuth2Store(), 10000)
}
