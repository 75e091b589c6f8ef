package enginetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// SubjectSetLookups checks LookupSubjects with a subject relation: it finds the subject sets
// that hold a permission, directly or nested, a set containing itself, and never a set that
// merely shares a member with one that does; a relation the subject type lacks is refused.
func SubjectSetLookups(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	e := newEngine(t, newStore)
	load(t, e, `definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  relation banned: user
  permission view = viewer - banned
}`, `document:d#viewer@group:eng#member
document:d#viewer@user:alice
group:eng#member@group:core#member
group:staff#member@group:eng#member
group:other#member@user:alice
document:d#banned@user:bob`)
	for _, tc := range []struct {
		resource   store.ObjectRef
		permission string
		typ, rel   string
		want       []string
	}{
		{store.ObjectRef{Type: "document", ID: "d"}, "view", "group", "member", []string{"core", "eng"}},
		{store.ObjectRef{Type: "document", ID: "d"}, "viewer", "group", "member", []string{"core", "eng"}},
		{store.ObjectRef{Type: "group", ID: "staff"}, "member", "group", "member", []string{"core", "eng", "staff"}},
		{store.ObjectRef{Type: "document", ID: "d"}, "view", "user", "", []string{"alice"}},
	} {
		var got []string
		p := engine.Page{Size: 1}
		for {
			res, err := e.LookupSubjects(ctx, fresh, tc.resource, tc.permission, tc.typ, tc.rel, p)
			if err != nil {
				t.Fatalf("LookupSubjects(%s#%s, %s#%s): %v", tc.resource, tc.permission, tc.typ, tc.rel, err)
			}
			got = append(got, res.IDs...)
			if p.Token = res.Next; p.Token == "" {
				break
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("LookupSubjects(%s#%s, %s#%s) = %v, want %v", tc.resource, tc.permission, tc.typ, tc.rel, got, tc.want)
		}
	}
	_, err := e.LookupSubjects(ctx, fresh, store.ObjectRef{Type: "document", ID: "d"}, "view", "group", "membr", engine.Page{})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "subject_relation" {
		t.Errorf("LookupSubjects with an unknown subject relation: %v; want InvalidArgument on subject_relation", err)
	}
}
