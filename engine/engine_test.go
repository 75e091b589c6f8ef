package engine_test

import (
	"testing"

	"github.com/wardhq/ward/engine/enginetest"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

func TestEngineOnMemoryStore(t *testing.T) {
	enginetest.Run(t, func(t *testing.T) store.Store {
		s := memory.New()
		t.Cleanup(func() { s.Close() })
		return s
	})
}
