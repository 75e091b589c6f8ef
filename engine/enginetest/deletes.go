package enginetest

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
)

// Deletes checks that deletes are validated like writes: a delete, by tuple or by filter, that
// names a type, relation or subject the schema does not know fails with InvalidArgument naming
// the field and what is unknown, and changes nothing; a valid delete reports how many tuples it
// removed; and a stored tuple the schema does not allow can still be deleted.
func Deletes(t *testing.T, newStore NewStore) {
	st := newStore(t)
	e, err := engine.New(st)
	if err != nil {
		t.Fatal(err)
	}
	load(t, e, readFile(t, "conformance/schema.zed"), readFile(t, "conformance/tuples.txt"))
	ctx := context.Background()
	before := snapshotAll(t, e)
	unchanged := func(t *testing.T) {
		t.Helper()
		if after := snapshotAll(t, e); after != before {
			t.Fatalf("stored data changed after a refused delete:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	}

	stored := "document:readme#owner@user:olive"
	for _, tc := range []struct {
		name, tuple, field, message string
	}{
		{"unknown type", "documnet:readme#owner@user:olive", "updates[1].relationship.resource.type", `the schema has no type "documnet"`},
		{"unknown relation", "document:readme#ownr@user:olive", "updates[1].relationship.relation", `type "document" has no relation "ownr"`},
		{"permission", "document:readme#edit@user:olive", "updates[1].relationship.relation", "document#edit is a permission"},
		{"unknown subject type", "document:readme#owner@usr:olive", "updates[1].relationship.subject.type", `the schema has no type "usr"`},
		{"subject type not allowed", "document:readme#owner@group:eng#member", "updates[1].relationship.subject", "does not allow subject group:eng#member"},
		{"unknown subject relation", "document:readme#viewer@group:eng#membr", "updates[1].relationship.subject", "does not allow subject group:eng#membr"},
	} {
		t.Run("tuple/"+tc.name, func(t *testing.T) {
			// A valid, stored delete first: it must not be applied either.
			updates := []store.Update{{Op: store.Delete, Tuple: mustParse(t, stored)}, {Op: store.Delete, Tuple: mustParse(t, tc.tuple)}}
			_, _, err := e.WriteTuples(ctx, updates, nil)
			expectInvalid(t, err, tc.field)
			if err != nil && !strings.Contains(err.Error(), tc.message) {
				t.Errorf("error %q does not say %q", err, tc.message)
			}
			unchanged(t)
		})
	}

	membr := "membr"
	for _, tc := range []struct {
		name, field string
		f           store.TupleFilter
	}{
		{"unknown type", "filter.resource_type", store.TupleFilter{ResourceType: "documnet"}},
		{"unknown relation", "filter.relation", store.TupleFilter{ResourceType: "document", Relation: "ownr"}},
		{"permission", "filter.relation", store.TupleFilter{ResourceType: "document", Relation: "view"}},
		{"unknown subject type", "filter.subject_filter.type", store.TupleFilter{ResourceType: "document", SubjectType: "usr"}},
		{"unknown subject relation", "filter.subject_filter.relation", store.TupleFilter{ResourceType: "document", SubjectType: "group", SubjectRelation: &membr}},
	} {
		t.Run("filter/"+tc.name, func(t *testing.T) {
			_, _, err := e.DeleteTuples(ctx, tc.f, nil)
			expectInvalid(t, err, tc.field)
			unchanged(t)
		})
	}

	// Counts: of two deletes, one stored; then the same again, when neither is.
	pair := []store.Update{
		{Op: store.Delete, Tuple: mustParse(t, stored)},
		{Op: store.Delete, Tuple: mustParse(t, "document:readme#owner@user:nobody")},
	}
	for _, want := range []int{1, 0} {
		n, _, err := e.WriteTuples(ctx, pair, nil)
		if err != nil || n != want {
			t.Errorf("WriteTuples(delete %s, delete a missing tuple) = %d, %v; want %d deleted", stored, n, err, want)
		}
	}
	f := store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"readme"}, Relation: "approver"}
	for _, want := range []int{2, 0} {
		n, _, err := e.DeleteTuples(ctx, f, nil)
		if err != nil || n != want {
			t.Errorf("DeleteTuples(document:readme#approver) = %d, %v; want %d", n, err, want)
		}
	}

	// A tuple the schema does not allow, stored behind the engine's back (as an import racing a
	// schema change could), is refused as a write but can be deleted.
	orphan := mustParse(t, "document:readme#owner@folder:root")
	if _, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: orphan}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.WriteTuples(ctx, []store.Update{{Op: store.Touch, Tuple: orphan}}, nil); err == nil {
		t.Errorf("a touch of %s, which the schema does not allow, succeeded", orphan)
	}
	if n, _, err := e.WriteTuples(ctx, []store.Update{{Op: store.Delete, Tuple: orphan}}, nil); err != nil || n != 1 {
		t.Errorf("deleting the stored %s, which the schema does not allow: %d, %v; want 1 deleted", orphan, n, err)
	}
	if _, _, err := e.WriteTuples(ctx, []store.Update{{Op: store.Delete, Tuple: orphan}}, nil); err == nil {
		t.Errorf("deleting %s again, now that it is not stored, succeeded; want InvalidArgument", orphan)
	}
}

func mustParse(t *testing.T, s string) store.Tuple {
	t.Helper()
	tu, err := store.ParseTuple(s)
	if err != nil {
		t.Fatalf("ParseTuple(%q): %v", s, err)
	}
	return tu
}
