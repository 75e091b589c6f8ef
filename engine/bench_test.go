package engine_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

const benchSchema = `
definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer - banned
}
`

// benchEngine loads a chain of depth nested groups — user:u in group g1, g1 in g2, …, document:d
// viewable by the last — plus 1,000 unrelated documents, and returns the engine and the token.
func benchEngine(b *testing.B, depth int, opts ...engine.Option) (*engine.Engine, engine.Token) {
	b.Helper()
	st := memory.New()
	b.Cleanup(func() { st.Close() })
	e, err := engine.New(st, opts...)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.WriteSchema(ctx, benchSchema); err != nil {
		b.Fatal(err)
	}
	var lines []string
	lines = append(lines, "group:g1#member@user:u")
	for i := 2; i <= depth; i++ {
		lines = append(lines, fmt.Sprintf("group:g%d#member@group:g%d#member", i, i-1))
	}
	if depth == 0 {
		lines = []string{"document:d#viewer@user:u"}
	} else {
		lines = append(lines, fmt.Sprintf("document:d#viewer@group:g%d#member", depth))
	}
	for i := range 1000 {
		lines = append(lines, fmt.Sprintf("document:other%d#viewer@user:x%d", i, i))
	}
	var updates []store.Update
	for _, l := range lines {
		t, err := store.ParseTuple(l)
		if err != nil {
			b.Fatal(err)
		}
		updates = append(updates, store.Update{Op: store.Touch, Tuple: t})
	}
	_, tok, err := e.WriteTuples(ctx, updates, nil)
	if err != nil {
		b.Fatal(err)
	}
	return e, tok
}

// BenchmarkCheckWarm measures a check whose answer is in the cache: the cost of choosing the
// snapshot, validating the request and one cache lookup, in the default consistency mode and with
// a token.
func BenchmarkCheckWarm(b *testing.B) {
	// A max staleness of zero makes minimize_latency read the newest snapshot, which holds the
	// data just written; choosing it costs the same as choosing an older one.
	e, tok := benchEngine(b, 3, engine.WithMaxStaleness(0))
	for _, bc := range []struct {
		name string
		c    engine.Consistency
	}{
		{"minimize_latency", engine.Consistency{}},
		{"at_least_as_fresh", engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			item, _ := engine.ParseCheckItem("document:d#view@user:u")
			if ok, _, err := e.Check(ctx, bc.c, item); err != nil || !ok {
				b.Fatalf("check = %v, %v; want allowed", ok, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := e.Check(ctx, bc.c, item); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}

// BenchmarkCheckCold measures checks with the caches off, through nested groups of each depth (the
// dispatch depth is one more: view → viewer → groups), evaluating branches in parallel (the
// default) and sequentially.
func BenchmarkCheckCold(b *testing.B) {
	for _, bc := range []struct {
		depth       int
		parallelism string
	}{{1, "parallel"}, {3, "parallel"}, {6, "parallel"}, {1, "sequential"}, {3, "sequential"}, {6, "sequential"}} {
		depth := bc.depth
		opts := []engine.Option{engine.WithCacheSize(0)}
		if bc.parallelism == "sequential" {
			opts = append(opts, engine.WithParallelism(0))
		}
		b.Run(fmt.Sprintf("%s/depth=%d", bc.parallelism, depth), func(b *testing.B) {
			e, tok := benchEngine(b, depth, opts...)
			ctx := context.Background()
			c := engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}
			allowed, _ := engine.ParseCheckItem("document:d#view@user:u")
			denied, _ := engine.ParseCheckItem("document:d#view@user:nobody")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				item, want := allowed, true
				if i++; i%2 == 0 {
					item, want = denied, false
				}
				if ok, _, err := e.Check(ctx, c, item); err != nil || ok != want {
					b.Fatalf("check %s = %v, %v", item, ok, err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}

// BenchmarkLookupResourcesPage reads page 1 and a later page of a LookupResources over 200,000
// direct grants: a later page continues in the candidates of the first instead of walking the
// tuples again, so it costs about what page 1 costs once the set is cached, not the whole set.
func BenchmarkLookupResourcesPage(b *testing.B) {
	st := memory.New()
	b.Cleanup(func() { st.Close() })
	e, err := engine.New(st)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.WriteSchema(ctx, benchSchema); err != nil {
		b.Fatal(err)
	}
	const n = 200_000
	var tok engine.Token
	for start := 0; start < n; start += 10_000 {
		updates := make([]store.Update, 0, 10_000)
		for i := start; i < start+10_000; i++ {
			updates = append(updates, store.Update{Op: store.Touch, Tuple: store.Tuple{
				Resource: store.ObjectRef{Type: "document", ID: fmt.Sprintf("d%07d", i)}, Relation: "viewer",
				Subject: store.Subject{Type: "user", ID: "alice"}}})
		}
		var err error
		if _, tok, err = e.WriteTuples(ctx, updates, nil); err != nil {
			b.Fatal(err)
		}
	}
	at := engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}
	alice := store.Subject{Type: "user", ID: "alice"}
	first, err := e.LookupResources(ctx, at, "document", "view", alice, engine.Page{Size: 100})
	if err != nil || first.Next == "" {
		b.Fatal(first, err)
	}
	b.Run("first-uncached", func(b *testing.B) {
		for b.Loop() {
			e.ForgetCaches()
			if _, err := e.LookupResources(ctx, at, "document", "view", alice, engine.Page{Size: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.LookupResources(ctx, at, "document", "view", alice, engine.Page{Size: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("second", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.LookupResources(ctx, at, "document", "view", alice, engine.Page{Size: 100, Token: first.Next}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
