package sql

import (
	"context"
	"testing"

	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestImportArrays runs the import that CockroachDB uses (INSERT of arrays, in batches) on
// PostgreSQL, which runs the same SQL: tuples are written once, existing ones are skipped.
func TestImportArrays(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, pgtest.Shared(t).NewMigratedDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rows := [][]any{
		{"doc", "a", "viewer", "user", "x", ""},
		{"doc", "b", "viewer", "group", "g", "member"},
		{"doc", "a", "viewer", "user", "x", ""}, // a duplicate within the batch
	}
	rev, n, err := s.importChunkCockroach(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("imported %d new tuples, want 2", n)
	}
	var got []string
	for tu, err := range s.Snapshot(rev).QueryTuples(ctx, store.TupleFilter{ResourceType: "doc"}, store.QueryOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tu.String())
	}
	if want := []string{"doc:a#viewer@user:x", "doc:b#viewer@group:g#member"}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("after the import: %v, want %v", got, want)
	}
	if _, n, err := s.importChunkCockroach(ctx, rows); err != nil || n != 0 {
		t.Errorf("importing the same tuples again: %d new, %v; want 0, nil", n, err)
	}
}
