package enginetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/store"
)

// Differential compares the engine with the reference evaluator on random schemas, tuple sets and
// queries. The seed is fixed when CI is set and random otherwise; WARD_TEST_SEED overrides both.
// WARD_TEST_SCHEMAS sets the number of schemas (default 1000).
func Differential(t *testing.T, newStore NewStore) {
	seed := uint64(time.Now().UnixNano())
	if os.Getenv("CI") != "" {
		seed = 1
	}
	if s := os.Getenv("WARD_TEST_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("WARD_TEST_SEED: %v", err)
		}
	}
	schemas := 1000
	if s := os.Getenv("WARD_TEST_SCHEMAS"); s != "" {
		var err error
		if schemas, err = strconv.Atoi(s); err != nil {
			t.Fatalf("WARD_TEST_SCHEMAS: %v", err)
		}
	}
	if testing.Short() {
		schemas = min(schemas, 100)
	}
	t.Logf("seed %d (rerun with WARD_TEST_SEED=%d), %d schemas", seed, seed, schemas)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	checks, allowed, disagreements := 0, 0, 0
	for i := range schemas {
		// A subtest per schema, so that its store is closed before the next one opens.
		t.Run(fmt.Sprintf("schema-%d", i), func(t *testing.T) {
			g := &generator{rng: rng}
			sch, text := g.schema(t)
			tuples := g.tuples(sch)
			e := newEngine(t, newStore, engine.WithMaxDepth(10_000),
				engine.WithConcurrency(1+rng.IntN(4)), engine.WithParallelism(rng.IntN(3)*8))
			ctx := context.Background()
			if _, err := e.WriteSchema(ctx, text); err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
			var tok engine.Token
			if len(tuples) > 0 {
				updates := make([]store.Update, len(tuples))
				for j, tu := range tuples {
					updates[j] = store.Update{Op: store.Touch, Tuple: tu}
				}
				var err error
				if _, tok, err = e.WriteTuples(ctx, updates, nil); err != nil {
					t.Fatalf("writing tuples: %v", err)
				}
			}
			c := engine.Consistency{Mode: engine.FullyConsistent}
			if tok != "" {
				c = engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}
			}
			ref := &reference{schema: sch, tuples: tuples}
			for q := range 30 {
				item := g.query(sch)
				want := ref.check(item.Resource, item.Permission, item.Subject)
				got, _, err := e.Check(ctx, c, item)
				checks++
				if want {
					allowed++
				}
				if err != nil || got != want {
					disagreements++
					if disagreements <= 5 {
						t.Errorf("query %d: %s: engine %v (err %v), reference %v\nschema:\n%s\ntuples:\n%s",
							q, item, got, err, want, text, formatTuples(tuples))
					}
				}
				if q%6 == 0 {
					disagreements += compareLookups(t, ctx, e, c, g, ref, item)
				}
			}
		})
	}
	t.Logf("%d checks on %d schemas (%d allowed), %d disagreements", checks, schemas, allowed, disagreements)
	// A generator that only ever produced denials would test little.
	if allowed*10 < checks {
		t.Errorf("only %d of %d random checks were allowed: the generator is too sparse", allowed, checks)
	}
	if disagreements > 0 {
		t.Fatalf("%d disagreements with the reference evaluator", disagreements)
	}
}

// compareLookups checks both lookups of item's permission against the reference, for every ID of
// the universe and one that appears in no tuple.
func compareLookups(t *testing.T, ctx context.Context, e *engine.Engine, c engine.Consistency, g *generator,
	ref *reference, item engine.CheckItem) int {
	t.Helper()
	bad := 0
	if item.Subject.ID != store.Wildcard {
		got, err := lookupAll(func(p engine.Page) (*engine.LookupResult, error) {
			return e.LookupResources(ctx, c, item.Resource.Type, item.Permission, item.Subject, p)
		})
		var want []string
		for _, id := range g.ids {
			if ref.check(store.ObjectRef{Type: item.Resource.Type, ID: id}, item.Permission, item.Subject) {
				want = append(want, id)
			}
		}
		if err != nil || !slices.Equal(got.IDs, want) {
			bad++
			t.Errorf("LookupResources(%s, %s, %s) = %v (err %v), reference %v", item.Resource.Type, item.Permission, item.Subject, got, err, want)
		}
	}
	if rel := item.Subject.Relation; rel != "" {
		// The subject sets of the item's type and relation that have the permission.
		got, err := lookupAll(func(p engine.Page) (*engine.LookupResult, error) {
			return e.LookupSubjects(ctx, c, item.Resource, item.Permission, item.Subject.Type, rel, p)
		})
		var want []string
		for _, id := range g.ids {
			if ref.check(item.Resource, item.Permission, store.Subject{Type: item.Subject.Type, ID: id, Relation: rel}) {
				want = append(want, id)
			}
		}
		if err != nil || !slices.Equal(got.IDs, want) {
			bad++
			t.Errorf("LookupSubjects(%s#%s, %s#%s) = %v (err %v), reference %v", item.Resource, item.Permission, item.Subject.Type, rel, got, err, want)
		}
	}
	got, err := lookupAll(func(p engine.Page) (*engine.LookupResult, error) {
		return e.LookupSubjects(ctx, c, item.Resource, item.Permission, item.Subject.Type, "", p)
	})
	if err != nil {
		t.Errorf("LookupSubjects(%s#%s, %s): %v", item.Resource, item.Permission, item.Subject.Type, err)
		return bad + 1
	}
	for _, id := range append(slices.Clone(g.ids), "fresh") {
		s := store.Subject{Type: item.Subject.Type, ID: id}
		want := ref.check(item.Resource, item.Permission, s)
		has := slices.Contains(got.IDs, id) ||
			slices.Contains(got.IDs, store.Wildcard) && !slices.Contains(got.Excluded, id)
		if has != want {
			bad++
			t.Errorf("LookupSubjects(%s#%s, %s) = %v excluding %v: says %s is %v, reference %v",
				item.Resource, item.Permission, item.Subject.Type, got.IDs, got.Excluded, id, has, want)
			break
		}
	}
	return bad
}

// lookupAll follows pages of two IDs each, to exercise the cursors.
func lookupAll(f func(engine.Page) (*engine.LookupResult, error)) (*engine.LookupResult, error) {
	all := &engine.LookupResult{}
	p := engine.Page{Size: 2}
	for {
		r, err := f(p)
		if err != nil {
			return nil, err
		}
		all.IDs = append(all.IDs, r.IDs...)
		if r.Excluded != nil {
			all.Excluded = r.Excluded
		}
		if r.Next == "" {
			return all, nil
		}
		p.Token = r.Next
	}
}

func formatTuples(ts []store.Tuple) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// generator makes random schemas, tuples and queries over a small universe of IDs, so that data
// is dense: cycles, shared groups and wildcards are common.
type generator struct {
	rng *rand.Rand
	ids []string
}

func (g *generator) schema(t *testing.T) (*schema.Schema, string) {
	g.ids = []string{"a", "b", "c"}
	for attempt := 0; attempt < 1000; attempt++ {
		text := g.schemaText()
		if s, err := schema.Compile(text); err == nil {
			return s, text
		}
	}
	t.Fatal("could not generate a valid schema in 1000 attempts")
	return nil, ""
}

func (g *generator) schemaText() string {
	nTypes := 2 + g.rng.IntN(3)
	type def struct{ rels, perms []string }
	defs := make([]def, nTypes)
	for i := range defs {
		for j := range 1 + g.rng.IntN(3) {
			defs[i].rels = append(defs[i].rels, "r"+strconv.Itoa(j))
		}
		for j := range g.rng.IntN(4) {
			defs[i].perms = append(defs[i].perms, "p"+strconv.Itoa(j))
		}
	}
	typ := func(i int) string { return "t" + strconv.Itoa(i) }
	var b strings.Builder
	for i, d := range defs {
		fmt.Fprintf(&b, "definition %s {\n", typ(i))
		for j, rel := range d.rels {
			var allowed []string
			for range 1 + g.rng.IntN(3) {
				k := g.rng.IntN(nTypes)
				var entry string
				switch x := g.rng.IntN(10); {
				case j == 0 || x < 5: // r0 holds only objects, so that arrows can follow it
					entry = typ(k)
				case x == 9: // nesting into itself, like group#member
					entry = typ(i) + "#" + rel
				case x < 7:
					entry = typ(k) + ":*"
				default:
					names := append(slices.Clone(defs[k].rels), defs[k].perms...)
					entry = typ(k) + "#" + names[g.rng.IntN(len(names))]
				}
				if !slices.Contains(allowed, entry) {
					allowed = append(allowed, entry)
				}
			}
			fmt.Fprintf(&b, "  relation %s: %s\n", rel, strings.Join(allowed, " | "))
		}
		for j, perm := range d.perms {
			// A permission refers only to relations and earlier permissions: no permission cycles.
			names := append(slices.Clone(d.rels), d.perms[:j]...)
			fmt.Fprintf(&b, "  permission %s = %s\n", perm, g.expr(names, defs[g.rng.IntN(nTypes)].rels, 0))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// expr returns a random expression over names, with arrows over r0 to a relation of some type.
func (g *generator) expr(names, arrowTargets []string, depth int) string {
	if depth >= 2 || g.rng.IntN(3) == 0 {
		if g.rng.IntN(4) == 0 {
			return "r0->" + arrowTargets[g.rng.IntN(len(arrowTargets))]
		}
		return names[g.rng.IntN(len(names))]
	}
	op := []string{" + ", " & ", " - "}[g.rng.IntN(3)]
	return "(" + g.expr(names, arrowTargets, depth+1) + op + g.expr(names, arrowTargets, depth+1) + ")"
}

func (g *generator) tuples(s *schema.Schema) []store.Tuple {
	seen := make(map[store.Tuple]bool)
	var out []store.Tuple
	for _, typ := range s.Order {
		def := s.Definitions[typ]
		for _, name := range def.Order {
			rel, ok := def.Relations[name]
			if !ok {
				continue
			}
			for range g.rng.IntN(16) {
				a := rel.Allowed[g.rng.IntN(len(rel.Allowed))]
				sub := store.Subject{Type: a.Type, ID: g.ids[g.rng.IntN(len(g.ids))], Relation: a.Relation}
				if a.Wildcard {
					sub.ID = store.Wildcard
				}
				t := store.Tuple{Resource: store.ObjectRef{Type: typ, ID: g.ids[g.rng.IntN(len(g.ids))]}, Relation: name, Subject: sub}
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out
}

func (g *generator) query(s *schema.Schema) engine.CheckItem {
	def := s.Definitions[s.Order[g.rng.IntN(len(s.Order))]]
	item := engine.CheckItem{
		Resource:   store.ObjectRef{Type: def.Name, ID: g.ids[g.rng.IntN(len(g.ids))]},
		Permission: def.Order[g.rng.IntN(len(def.Order))],
	}
	sdef := s.Definitions[s.Order[g.rng.IntN(len(s.Order))]]
	item.Subject = store.Subject{Type: sdef.Name, ID: append(slices.Clone(g.ids), "fresh")[g.rng.IntN(len(g.ids)+1)]}
	switch x := g.rng.IntN(10); {
	case x == 0:
		item.Subject.ID = store.Wildcard
	case x < 3:
		item.Subject.ID = g.ids[g.rng.IntN(len(g.ids))]
		item.Subject.Relation = sdef.Order[g.rng.IntN(len(sdef.Order))]
	}
	return item
}
