// Package enginetest is the engine's acceptance suite, run against every store implementation:
// the conformance table of checks, a randomized differential test against a simple reference
// evaluator, lookups (of subject sets too) and expansion, bad input, validated and counted
// deletes, read-your-writes under concurrent writers, and minimize_latency reads after schema
// writes.
package enginetest

import (
	"bufio"
	"context"
	"embed"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
)

//go:embed testdata
var testdata embed.FS

// NewStore returns an empty store for one test; the test's cleanup closes it.
type NewStore func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, newStore NewStore) {
	t.Run("Conformance", func(t *testing.T) { Conformance(t, newStore) })
	t.Run("Differential", func(t *testing.T) { Differential(t, newStore) })
	t.Run("Lookups", func(t *testing.T) { Lookups(t, newStore) })
	t.Run("Expand", func(t *testing.T) { Expand(t, newStore) })
	t.Run("BadInput", func(t *testing.T) { BadInput(t, newStore) })
	t.Run("Deletes", func(t *testing.T) { Deletes(t, newStore) })
	t.Run("DepthLimit", func(t *testing.T) { DepthLimit(t, newStore) })
	t.Run("ReadYourWrites", func(t *testing.T) { ReadYourWrites(t, newStore) })
	t.Run("SchemaWrites", func(t *testing.T) { SchemaWrites(t, newStore) })
	t.Run("SubjectSetLookups", func(t *testing.T) { SubjectSetLookups(t, newStore) })
}

// newEngine returns an engine over a fresh store.
func newEngine(t *testing.T, newStore NewStore, opts ...engine.Option) *engine.Engine {
	t.Helper()
	e, err := engine.New(newStore(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// load writes a schema and tuples (one per line, '#' comments) and returns the token of the
// last write.
func load(t *testing.T, e *engine.Engine, schemaText, tuples string) engine.Token {
	t.Helper()
	ctx := context.Background()
	tok, err := e.WriteSchema(ctx, schemaText)
	if err != nil {
		t.Fatalf("writing schema: %v", err)
	}
	updates := parseUpdates(t, tuples)
	if len(updates) == 0 {
		return tok
	}
	_, tok, err = e.WriteTuples(ctx, updates, nil)
	if err != nil {
		t.Fatalf("writing tuples: %v", err)
	}
	return tok
}

func parseUpdates(t *testing.T, text string) []store.Update {
	t.Helper()
	var updates []store.Update
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tu, err := store.ParseTuple(line)
		if err != nil {
			t.Fatalf("tuple %q: %v", line, err)
		}
		updates = append(updates, store.Update{Op: store.Touch, Tuple: tu})
	}
	return updates
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Conformance checks every case of testdata/conformance/cases.txt, with and without the cache,
// and in every consistency mode.
func Conformance(t *testing.T, newStore NewStore) {
	sch := readFile(t, "conformance/schema.zed")
	tuples := readFile(t, "conformance/tuples.txt")
	cases := readFile(t, "conformance/cases.txt")
	for _, variant := range []struct {
		name string
		opts []engine.Option
	}{
		{"cached", nil},
		{"uncached", []engine.Option{engine.WithCacheSize(0)}},
		{"sequential", []engine.Option{engine.WithParallelism(0)}},
		{"parallel", []engine.Option{engine.WithParallelism(64), engine.WithConcurrency(4)}},
	} {
		t.Run(variant.name, func(t *testing.T) {
			e := newEngine(t, newStore, variant.opts...)
			tok := load(t, e, sch, tuples)
			n := 0
			sc := bufio.NewScanner(strings.NewReader(cases))
			for sc.Scan() {
				line, _, _ := strings.Cut(sc.Text(), "--")
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				query, want, ok := strings.Cut(line, "=>")
				if !ok {
					t.Fatalf("bad case line %q", line)
				}
				item, err := engine.ParseCheckItem(strings.TrimSpace(query))
				if err != nil {
					t.Fatalf("case %q: %v", query, err)
				}
				want = strings.TrimSpace(want)
				for _, c := range []engine.Consistency{
					{Mode: engine.AtLeastAsFresh, Token: tok},
					{Mode: engine.FullyConsistent},
				} {
					// Twice, so that the second answer comes from the cache when there is one.
					for range 2 {
						allowed, _, err := e.Check(context.Background(), c, item)
						if err != nil {
							t.Errorf("%s: %v", item, err)
							continue
						}
						if got := decision(allowed); got != want {
							t.Errorf("%s = %s, want %s", item, got, want)
						}
					}
				}
				n++
			}
			if n < 30 {
				t.Fatalf("only %d conformance cases ran", n)
			}
		})
	}
}

func decision(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}
