package enginetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

var fresh = engine.Consistency{Mode: engine.FullyConsistent}

func conformanceEngine(t *testing.T, newStore NewStore, opts ...engine.Option) *engine.Engine {
	t.Helper()
	e, _ := conformanceEngineToken(t, newStore, opts...)
	return e
}

func conformanceEngineToken(t *testing.T, newStore NewStore, opts ...engine.Option) (*engine.Engine, engine.Token) {
	t.Helper()
	e := newEngine(t, newStore, opts...)
	return e, load(t, e, readFile(t, "conformance/schema.zed"), readFile(t, "conformance/tuples.txt"))
}

// Lookups checks both lookups on the conformance data, wildcards and exclusions included.
func Lookups(t *testing.T, newStore NewStore) {
	e := conformanceEngine(t, newStore)
	ctx := context.Background()
	user := func(id string) store.Subject { return store.Subject{Type: "user", ID: id} }
	for _, tc := range []struct {
		subject store.Subject
		want    []string
	}{
		{user("deep"), []string{"deep", "public"}},
		{user("mallory"), []string{"loop", "spec"}},
		{user("alice"), []string{"audit", "loop", "public"}},
		{user("rita"), []string{"public", "report"}},
		{store.Subject{Type: "group", ID: "n1", Relation: "member"}, []string{"deep"}},
	} {
		got, err := lookupAll(func(p engine.Page) (*engine.LookupResult, error) {
			return e.LookupResources(ctx, fresh, "document", "view", tc.subject, p)
		})
		if err != nil {
			t.Fatalf("LookupResources(%s): %v", tc.subject, err)
		}
		if !slices.Equal(got.IDs, tc.want) {
			t.Errorf("LookupResources(document, view, %s) = %v, want %v", tc.subject, got.IDs, tc.want)
		}
	}
	for _, tc := range []struct {
		resource      string
		want, exclude []string
	}{
		{"public", []string{"*"}, []string{"mallory"}},
		{"spec", []string{"mallory"}, nil},
		{"deep", []string{"deep"}, nil},
		{"cyclic", []string{"cyril"}, nil},
	} {
		got, err := lookupAll(func(p engine.Page) (*engine.LookupResult, error) {
			return e.LookupSubjects(ctx, fresh, store.ObjectRef{Type: "document", ID: tc.resource}, "view", "user", "", p)
		})
		if err != nil {
			t.Fatalf("LookupSubjects(%s): %v", tc.resource, err)
		}
		if !slices.Equal(got.IDs, tc.want) || !slices.Equal(got.Excluded, tc.exclude) {
			t.Errorf("LookupSubjects(document:%s#view, user) = %v excluding %v, want %v excluding %v",
				tc.resource, got.IDs, got.Excluded, tc.want, tc.exclude)
		}
	}
}

// Expand checks the userset tree of a permission made of every operator.
func Expand(t *testing.T, newStore NewStore) {
	e := conformanceEngine(t, newStore)
	tree, _, err := e.Expand(context.Background(), fresh, store.ObjectRef{Type: "document", ID: "spec"}, "view")
	if err != nil {
		t.Fatal(err)
	}
	// Refs (viewer, edit, banned) expand to the node of their own userset.
	if got, want := formatTree(tree, ""), `exclusion document:spec#view
  union document:spec#view
    leaf document:spec#viewer:
    union document:spec#edit
      leaf document:spec#owner:
      leaf document:spec#editor: group:eng#member
        leaf group:eng#member: user:alice user:mallory
    union document:spec#parent->view
  leaf document:spec#banned: user:alice
`; got != want {
		t.Errorf("Expand(document:spec#view) =\n%s\nwant\n%s", got, want)
	}

	// A cycle is expanded once and then referred to.
	tree, _, err = e.Expand(context.Background(), fresh, store.ObjectRef{Type: "group", ID: "ca"}, "member")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := formatTree(tree, ""), `leaf group:ca#member: group:cb#member user:cyril
  leaf group:cb#member: group:ca#member
    leaf group:ca#member: group:ca#member
`; got != want {
		t.Errorf("Expand(group:ca#member) =\n%s\nwant\n%s", got, want)
	}
}

func formatTree(t *engine.Tree, indent string) string {
	kind := map[engine.TreeKind]string{engine.Leaf: "leaf", engine.UnionNode: "union",
		engine.IntersectionNode: "intersection", engine.ExclusionNode: "exclusion"}[t.Kind]
	s := indent + kind + " " + t.Resource.String() + "#" + t.Relation
	if t.Kind == engine.Leaf {
		s += ":"
		subjects := make([]string, len(t.Subjects))
		for i, sub := range t.Subjects {
			subjects[i] = sub.String()
		}
		slices.Sort(subjects)
		for _, sub := range subjects {
			s += " " + sub
		}
	}
	s += "\n"
	for _, c := range t.Children {
		s += formatTree(c, indent+"  ")
	}
	return s
}

// BadInput sends malformed and schema-violating writes and checks that each fails with
// InvalidArgument naming the field at fault, and that the stored data is unchanged afterwards.
func BadInput(t *testing.T, newStore NewStore) {
	e := conformanceEngine(t, newStore)
	ctx := context.Background()
	before := snapshotAll(t, e)
	good := store.Tuple{Resource: store.ObjectRef{Type: "document", ID: "new"}, Relation: "viewer", Subject: store.Subject{Type: "user", ID: "nina"}}
	bad := func(mut func(*store.Tuple)) []store.Update {
		tu := good
		mut(&tu)
		// A valid update first: it must not be applied either.
		return []store.Update{{Op: store.Create, Tuple: good}, {Op: store.Create, Tuple: tu}}
	}
	long := strings.Repeat("x", store.MaxIDLength+1)
	for _, tc := range []struct {
		name    string
		updates []store.Update
		field   string
	}{
		{"unknown type", bad(func(t *store.Tuple) { t.Resource.Type = "doc" }), "updates[1].relationship.resource.type"},
		{"unknown relation", bad(func(t *store.Tuple) { t.Relation = "reader" }), "updates[1].relationship.relation"},
		{"permission written", bad(func(t *store.Tuple) { t.Relation = "view" }), "updates[1].relationship.relation"},
		{"forbidden subject type", bad(func(t *store.Tuple) { t.Subject = store.Subject{Type: "folder", ID: "f"} }), "updates[1].relationship.subject"},
		{"forbidden wildcard", bad(func(t *store.Tuple) { t.Relation = "editor"; t.Subject.ID = "*" }), "updates[1].relationship.subject"},
		{"forbidden subject set", bad(func(t *store.Tuple) {
			t.Subject = store.Subject{Type: "group", ID: "g", Relation: "member"}
			t.Relation = "owner"
		}), "updates[1].relationship.subject"},
		{"unknown subject relation", bad(func(t *store.Tuple) { t.Subject = store.Subject{Type: "group", ID: "g", Relation: "owner"} }), "updates[1].relationship.subject"},
		{"invalid UTF-8 id", bad(func(t *store.Tuple) { t.Resource.ID = "bad\xff" }), "updates[1].relationship.resource.id"},
		{"id too long", bad(func(t *store.Tuple) { t.Subject.ID = long }), "updates[1].relationship.subject.id"},
		{"empty relation", bad(func(t *store.Tuple) { t.Relation = "" }), "updates[1].relationship.relation"},
		{"upper-case type", bad(func(t *store.Tuple) { t.Subject.Type = "User" }), "updates[1].relationship.subject.type"},
		{"wildcard resource", bad(func(t *store.Tuple) { t.Resource.ID = "*" }), "updates[1].relationship.resource.id"},
		{"duplicate", []store.Update{{Op: store.Create, Tuple: good}, {Op: store.Touch, Tuple: good}}, "updates[1].relationship"},
		{"no operation", []store.Update{{Tuple: good}}, "updates[0].operation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.WriteTuples(ctx, tc.updates, nil)
			expectInvalid(t, err, tc.field)
		})
	}
	// Malformed tuple text.
	for _, s := range []string{"document:x#viewer", "document#viewer@user:a", "document:x#viewer@user", "document:x#@user:a", ":x#viewer@user:a", "document:x#viewer@user:a#"} {
		_, err := store.ParseTuple(s)
		if fault.CodeOf(err) != fault.InvalidArgument {
			t.Errorf("ParseTuple(%q) = %v, want InvalidArgument", s, err)
		}
	}
	// A broken schema is refused with its line and column.
	_, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc {\n  relation viewer: usr\n}\n")
	expectInvalid(t, err, "schema")
	if err != nil && !strings.Contains(err.Error(), "line 3, column") {
		t.Errorf("schema error %q does not name line 3 and a column", err)
	}
	// A schema that would orphan stored tuples is refused.
	_, err = e.WriteSchema(ctx, "definition user {}\n")
	if fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("schema orphaning tuples: got %v, want FailedPrecondition", err)
	}
	// Preconditions: a failing one leaves everything as it was.
	_, _, err = e.WriteTuples(ctx, []store.Update{{Op: store.Touch, Tuple: good}},
		[]engine.Precondition{{Filter: store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"nope"}}, MustMatch: true}})
	if fault.CodeOf(err) != fault.FailedPrecondition {
		t.Errorf("failing precondition: got %v, want FailedPrecondition", err)
	}
	// A Create of an existing tuple fails the whole batch.
	existing, _ := store.ParseTuple("document:readme#owner@user:olive")
	_, _, err = e.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: good}, {Op: store.Create, Tuple: existing}}, nil)
	if fault.CodeOf(err) != fault.AlreadyExists {
		t.Errorf("creating an existing tuple: got %v, want AlreadyExists", err)
	}
	if after := snapshotAll(t, e); after != before {
		t.Errorf("stored data changed after rejected writes:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	// Bad checks.
	for _, tc := range []struct {
		item  string
		field string
	}{
		{"doc:x#view@user:a", "resource.type"},
		{"document:x#read@user:a", "permission"},
		{"document:x#view@usr:a", "subject.type"},
		{"document:x#view@group:g#owner", "subject.relation"},
	} {
		item, err := engine.ParseCheckItem(tc.item)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = e.Check(ctx, fresh, item)
		expectInvalid(t, err, tc.field)
	}
	_, _, err = e.Check(ctx, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: "garbage"}, engine.CheckItem{})
	expectInvalid(t, err, "consistency.at_least_as_fresh")
	// Bad lookups and expansions name the fields of their own requests.
	alice := store.Subject{Type: "user", ID: "alice"}
	readme := store.ObjectRef{Type: "document", ID: "readme"}
	_, err = e.LookupResources(ctx, fresh, "doc", "view", alice, engine.Page{})
	expectInvalid(t, err, "resource_type")
	_, err = e.LookupResources(ctx, fresh, "document", "view", store.Subject{Type: "group", ID: "g", Relation: "owner"}, engine.Page{})
	expectInvalid(t, err, "subject.relation")
	_, err = e.LookupSubjects(ctx, fresh, readme, "view", "usr", "", engine.Page{})
	expectInvalid(t, err, "subject_type")
	_, err = e.LookupSubjects(ctx, fresh, readme, "read", "user", "", engine.Page{})
	expectInvalid(t, err, "permission")
	_, _, err = e.Expand(ctx, fresh, store.ObjectRef{Type: "document", ID: "bad id"}, "view")
	expectInvalid(t, err, "resource.id")
	_, _, _, err = e.ReadTuples(ctx, fresh, store.TupleFilter{ResourceType: "document", Relation: "view"}, engine.Page{})
	expectInvalid(t, err, "filter.relation")
}

func expectInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument {
		t.Errorf("got %v, want InvalidArgument", err)
		return
	}
	if fe.Field != field {
		t.Errorf("error %q names field %q, want %q", fe.Public(), fe.Field, field)
	}
}

// snapshotAll returns every stored tuple and the schema as text.
func snapshotAll(t *testing.T, e *engine.Engine) string {
	t.Helper()
	ctx := context.Background()
	text, _, err := e.ReadSchema(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(text)
	for _, typ := range []string{"user", "group", "folder", "document"} {
		p := engine.Page{Size: 7}
		for {
			ts, next, _, err := e.ReadTuples(ctx, fresh, store.TupleFilter{ResourceType: typ}, p)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(formatTuples(ts))
			if next == "" {
				break
			}
			p.Token = next
		}
	}
	return b.String()
}

// ReadYourWrites has writers add and remove tuples while checking each change with the token of
// its write, with caches on and readers warming them at minimize_latency.
func ReadYourWrites(t *testing.T, newStore NewStore) {
	e, loaded := conformanceEngineToken(t, newStore)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var readers sync.WaitGroup
	for r := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; ctx.Err() == nil; i++ {
				item, _ := engine.ParseCheckItem(fmt.Sprintf("document:rw-%d#view@user:u-%d", i%4, (i+r)%4))
				if _, _, err := e.Check(ctx, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: loaded}, item); err != nil && ctx.Err() == nil {
					t.Errorf("reader: %v", err)
					return
				}
			}
		}()
	}
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			tu, _ := store.ParseTuple(fmt.Sprintf("document:rw-%d#viewer@user:u-%d", w, w))
			item := engine.CheckItem{Resource: tu.Resource, Permission: "view", Subject: tu.Subject}
			for i := range 100 {
				op, want := store.Touch, true
				if i%2 == 1 {
					op, want = store.Delete, false
				}
				_, tok, err := e.WriteTuples(ctx, []store.Update{{Op: op, Tuple: tu}}, nil)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				got, _, err := e.Check(ctx, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}, item)
				if err != nil || got != want {
					t.Errorf("writer %d, write %d: check after %s with its token = %v (err %v), want %v", w, i, op, got, err, want)
					return
				}
			}
		}()
	}
	writers.Wait()
	cancel()
	readers.Wait()
}

// DepthLimit checks that a check deeper than the limit fails with ResourceExhausted instead of
// being denied, and that one answered within the limit is unaffected.
func DepthLimit(t *testing.T, newStore NewStore) {
	e := conformanceEngine(t, newStore, engine.WithMaxDepth(4))
	ctx := context.Background()
	deep, _ := engine.ParseCheckItem("document:deep#view@user:deep") // seven nested groups
	if _, _, err := e.Check(ctx, fresh, deep); fault.CodeOf(err) != fault.ResourceExhausted {
		t.Errorf("check through 7 groups with max depth 4: %v, want ResourceExhausted", err)
	}
	shallow, _ := engine.ParseCheckItem("document:readme#view@user:olive")
	if ok, _, err := e.Check(ctx, fresh, shallow); err != nil || !ok {
		t.Errorf("shallow check with max depth 4 = %v, %v; want allowed", ok, err)
	}
	results, _, err := e.CheckBulk(ctx, fresh, []engine.CheckItem{shallow, deep})
	if err != nil {
		t.Fatal(err)
	}
	if !results[0].Allowed || results[0].Err != nil || fault.CodeOf(results[1].Err) != fault.ResourceExhausted {
		t.Errorf("bulk results = %+v; want allowed, then ResourceExhausted", results)
	}
}
