package engine_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/engine"
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

// TestForgetCaches checks that ForgetCaches drops cached check results: the same check is a
// cache hit before and a miss after.
func TestForgetCaches(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	reg := prometheus.NewRegistry()
	e, err := engine.New(st, engine.WithRegisterer(reg), engine.WithMaxStaleness(0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }"); err != nil {
		t.Fatal(err)
	}
	item, err := engine.ParseCheckItem("doc:a#viewer@user:x")
	if err != nil {
		t.Fatal(err)
	}
	counter := func(name string) float64 {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == name {
				return f.GetMetric()[0].GetCounter().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	check := func() {
		if _, _, err := e.Check(ctx, engine.Consistency{Mode: engine.FullyConsistent}, item); err != nil {
			t.Fatal(err)
		}
	}
	check()
	hits, misses := counter("ward_check_cache_hits_total"), counter("ward_check_cache_misses_total")
	check()
	if counter("ward_check_cache_hits_total") != hits+1 {
		t.Fatalf("a repeated check was not a cache hit")
	}
	e.ForgetCaches()
	check()
	if counter("ward_check_cache_misses_total") != misses+1 || counter("ward_check_cache_hits_total") != hits+1 {
		t.Errorf("a check after ForgetCaches was answered from the cache")
	}
}
