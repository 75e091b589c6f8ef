package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// dataset is a small graph with every kind of subject.
var dataset = []string{
	"document:a#viewer@user:alice",
	"document:a#viewer@user:*",
	"document:a#viewer@group:eng#member",
	"document:a#editor@user:bob",
	"document:b#viewer@user:alice",
	"document:b#parent@folder:root",
	"document:c#viewer@user:carol",
	"folder:root#viewer@group:eng#member",
	"folder:root#viewer@group:eng#owner",
	"group:eng#member@user:bob",
	"group:eng#member@group:eng#member",
}

func testRoundTrip(t *testing.T, s store.Store) {
	rev := write(t, s, store.Create, dataset...)
	if got := head(t, s); got != rev {
		t.Fatalf("HeadRevision = %v after a commit at %v", got, rev)
	}
	want := sorted(t, dataset...)
	equal(t, "tuples at the commit", strs(query(t, s.Snapshot(rev), store.TupleFilter{}, store.QueryOptions{})), want)
	equal(t, "tuples at the head", all(t, s), want)
}

func testFilters(t *testing.T, s store.Store) {
	rev := write(t, s, store.Create, dataset...)
	none, member := "", "member"
	tests := []struct {
		f    store.TupleFilter
		want []string
	}{
		{store.TupleFilter{}, dataset},
		{store.TupleFilter{ResourceType: "nope"}, nil},
		{store.TupleFilter{ResourceType: "folder"}, []string{
			"folder:root#viewer@group:eng#member", "folder:root#viewer@group:eng#owner"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"b", "a", "a"}}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*", "document:a#viewer@group:eng#member",
			"document:a#editor@user:bob", "document:b#viewer@user:alice", "document:b#parent@folder:root"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"zzz"}}, nil},
		{store.TupleFilter{ResourceIDs: []string{"c", "root"}}, []string{
			"document:c#viewer@user:carol", "folder:root#viewer@group:eng#member", "folder:root#viewer@group:eng#owner"}},
		{store.TupleFilter{Relation: "viewer"}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*", "document:a#viewer@group:eng#member",
			"document:b#viewer@user:alice", "document:c#viewer@user:carol",
			"folder:root#viewer@group:eng#member", "folder:root#viewer@group:eng#owner"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer"}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*", "document:a#viewer@group:eng#member"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a", "c"}, Relation: "viewer", SubjectType: "user"}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*", "document:c#viewer@user:carol"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer", SubjectType: "user", SubjectIDs: []string{"alice"}}, []string{
			"document:a#viewer@user:alice"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer", SubjectType: "user", SubjectIDs: []string{"carol", "*"}}, []string{
			"document:a#viewer@user:*"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer", SubjectRelation: &none}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*"}},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer", SubjectType: "group", SubjectIDs: []string{"eng"}, SubjectRelation: &member}, []string{
			"document:a#viewer@group:eng#member"}},
		{store.TupleFilter{SubjectType: "user", SubjectIDs: []string{"alice"}}, []string{
			"document:a#viewer@user:alice", "document:b#viewer@user:alice"}},
		{store.TupleFilter{SubjectType: "user", SubjectIDs: []string{"bob", "alice"}}, []string{
			"document:a#viewer@user:alice", "document:a#editor@user:bob", "document:b#viewer@user:alice", "group:eng#member@user:bob"}},
		{store.TupleFilter{SubjectType: "user", SubjectIDs: []string{"bob", "alice"}, ResourceType: "document", Relation: "viewer"}, []string{
			"document:a#viewer@user:alice", "document:b#viewer@user:alice"}},
		{store.TupleFilter{SubjectType: "user", SubjectIDs: []string{"*"}}, []string{"document:a#viewer@user:*"}},
		{store.TupleFilter{SubjectIDs: []string{"alice"}}, []string{
			"document:a#viewer@user:alice", "document:b#viewer@user:alice"}},
		{store.TupleFilter{SubjectType: "group", SubjectIDs: []string{"eng"}}, []string{
			"document:a#viewer@group:eng#member", "folder:root#viewer@group:eng#member",
			"folder:root#viewer@group:eng#owner", "group:eng#member@group:eng#member"}},
		{store.TupleFilter{SubjectType: "group", SubjectIDs: []string{"eng"}, SubjectRelation: &none}, nil},
		{store.TupleFilter{SubjectType: "group", SubjectRelation: &member}, []string{
			"document:a#viewer@group:eng#member", "folder:root#viewer@group:eng#member", "group:eng#member@group:eng#member"}},
		{store.TupleFilter{SubjectRelation: &none}, []string{
			"document:a#viewer@user:alice", "document:a#viewer@user:*", "document:a#editor@user:bob",
			"document:b#viewer@user:alice", "document:b#parent@folder:root", "document:c#viewer@user:carol",
			"group:eng#member@user:bob"}},
		{store.TupleFilter{ResourceType: "group", SubjectType: "folder"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			equal(t, "tuples", strs(query(t, s.Snapshot(rev), tt.f, store.QueryOptions{})), sorted(t, tt.want...))
		})
	}
}

// randomTuples returns n distinct tuples over few types and many IDs, in no particular order.
func randomTuples(t testing.TB, n, ids int, seed uint64) []string {
	rnd := rand.New(rand.NewPCG(seed, seed))
	seen := make(map[string]bool)
	var out []string
	for len(out) < n {
		s := fmt.Sprintf("%s:%d#%s@", []string{"document", "folder"}[rnd.IntN(2)], rnd.IntN(ids),
			[]string{"viewer", "editor", "owner"}[rnd.IntN(3)])
		switch rnd.IntN(4) {
		case 0:
			s += fmt.Sprintf("group:g%d#member", rnd.IntN(20))
		case 1:
			s += "user:*"
		default:
			s += fmt.Sprintf("user:u%d", rnd.IntN(50))
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// writeBatches writes tuples with Touch in transactions of at most size.
func writeBatches(t testing.TB, s store.Store, tuples []string, size int) {
	for chunk := range slices.Chunk(tuples, size) {
		write(t, s, store.Touch, chunk...)
	}
}

// pages checks that reading f page by page with every limit gives the whole result.
func pages(t *testing.T, r store.Reader, f store.TupleFilter, want []string) {
	t.Helper()
	equal(t, "unpaged", strs(query(t, r, f, store.QueryOptions{})), want)
	for _, limit := range []int{1, 7, 100, len(want), len(want) + 1} {
		var got []string
		var after *store.Tuple
		for page := 0; ; page++ {
			if page > len(want)+1 {
				t.Fatalf("limit %d: more pages than tuples", limit)
			}
			tuples := query(t, r, f, store.QueryOptions{After: after, Limit: limit})
			if len(tuples) > limit {
				t.Fatalf("limit %d: a page of %d tuples", limit, len(tuples))
			}
			got = append(got, strs(tuples)...)
			if len(tuples) < limit {
				break
			}
			after = &tuples[len(tuples)-1]
		}
		equal(t, fmt.Sprintf("pages of %d", limit), got, want)
	}
}

func testPagination(t *testing.T, s store.Store) {
	tuples := randomTuples(t, 600, 30, 1)
	writeBatches(t, s, tuples, 50)
	r := s.Snapshot(head(t, s))
	want := sorted(t, tuples...)
	pages(t, r, store.TupleFilter{}, want)

	filters := []store.TupleFilter{
		{ResourceType: "folder"},
		{ResourceType: "document", Relation: "viewer"},
		{ResourceType: "document", ResourceIDs: []string{"3", "17", "4", "22", "9"}},
		{ResourceType: "document", ResourceIDs: []string{"3", "17", "4", "22", "9"}, Relation: "editor"},
		{SubjectType: "user", SubjectIDs: []string{"u1", "u2", "*"}},
		{SubjectType: "group", SubjectIDs: []string{"g1", "g7", "g3", "g12"}, ResourceType: "folder"},
	}
	for _, f := range filters {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []string
			for _, tup := range parse(t, tuples...) {
				if f.Matches(tup) {
					want = append(want, tup.String())
				}
			}
			want = sorted(t, want...)
			if len(want) < 10 {
				t.Fatalf("the filter matches only %d tuples; the test needs more", len(want))
			}
			pages(t, r, f, want)
		})
	}

	// After need not name a stored tuple.
	after := parse(t, "document:3#viewer@user:u25x")[0]
	var rest []string
	for _, tup := range parse(t, want...) {
		if tup.Compare(after) > 0 {
			rest = append(rest, tup.String())
		}
	}
	equal(t, "after a missing tuple", strs(query(t, r, store.TupleFilter{}, store.QueryOptions{After: &after})), rest)
}

// testPaginationScan pages through a sparse result among many objects, so that implementations that
// read in steps resume at the right place.
func testPaginationScan(t *testing.T, s store.Store) {
	tuples := randomTuples(t, 4000, 2000, 2)
	writeBatches(t, s, tuples, 1000)
	r := s.Snapshot(head(t, s))
	f := store.TupleFilter{ResourceType: "document", Relation: "owner", SubjectType: "group"}
	var want []string
	for _, tup := range parse(t, tuples...) {
		if f.Matches(tup) {
			want = append(want, tup.String())
		}
	}
	pages(t, r, f, sorted(t, want...))
}

func testCreateExisting(t *testing.T, s store.Store) {
	rev := write(t, s, store.Create, "document:a#viewer@user:alice")
	a, b := parse(t, "document:a#viewer@user:alice")[0], parse(t, "document:b#viewer@user:bob")[0]
	tests := []struct {
		name     string
		existing store.Tuple
		fn       func(ctx context.Context, tx store.Tx) error
	}{
		{"committed", a, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.WriteTuples(ctx, updates(store.Create, []store.Tuple{b})); err != nil {
				return err
			}
			_, err := tx.WriteTuples(ctx, updates(store.Create, []store.Tuple{a}))
			return err
		}},
		{"same call", b, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, updates(store.Create, []store.Tuple{b, b}))
			return err
		}},
		{"earlier call", b, func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.WriteTuples(ctx, updates(store.Create, []store.Tuple{b})); err != nil {
				return err
			}
			_, err := tx.WriteTuples(ctx, updates(store.Create, []store.Tuple{b}))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Transact(context.Background(), tt.fn)
			wantCode(t, err, fault.AlreadyExists)
			if !strings.Contains(err.Error(), tt.existing.String()) {
				t.Errorf("error %q does not name the tuple %v", err, tt.existing)
			}
			if got := head(t, s); got != rev {
				t.Errorf("head moved from %v to %v", rev, got)
			}
			equal(t, "tuples", all(t, s), []string{a.String()})
		})
	}
}

func testTouch(t *testing.T, s store.Store) {
	r1 := write(t, s, store.Touch, "document:a#viewer@user:alice")
	r2 := write(t, s, store.Touch, "document:a#viewer@user:alice")
	if r2.Less(r1) {
		t.Errorf("a touch of an existing tuple returned %v, before %v", r2, r1)
	}
	r3 := write(t, s, store.Touch, "document:a#viewer@user:alice", "document:a#viewer@user:bob")
	if !r1.Less(r3) {
		t.Errorf("a touch that created a tuple returned %v, not after %v", r3, r1)
	}
	equal(t, "tuples", all(t, s), sorted(t, "document:a#viewer@user:alice", "document:a#viewer@user:bob"))
}

func testDeleteMissing(t *testing.T, s store.Store) {
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice")
	r2 := write(t, s, store.Delete, "document:a#viewer@user:bob", "document:b#viewer@user:alice")
	if r2.Less(r1) {
		t.Errorf("a delete of missing tuples returned %v, before %v", r2, r1)
	}
	equal(t, "tuples", all(t, s), []string{"document:a#viewer@user:alice"})
}

func testDeleteTuples(t *testing.T, s store.Store) {
	write(t, s, store.Create, dataset...)
	tests := []struct {
		f     store.TupleFilter
		count int
	}{
		{store.TupleFilter{ResourceType: "nope"}, 0},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer"}, 3},
		{store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer"}, 0},
		{store.TupleFilter{SubjectType: "user", SubjectIDs: []string{"bob"}}, 2},
	}
	remaining := parse(t, dataset...)
	for _, tt := range tests {
		var n int
		rev, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) (err error) {
			n, err = tx.DeleteTuples(ctx, tt.f)
			return err
		})
		if err != nil {
			t.Fatalf("DeleteTuples(%+v): %v", tt.f, err)
		}
		if n != tt.count {
			t.Errorf("DeleteTuples(%+v) = %d; want %d", tt.f, n, tt.count)
		}
		remaining = slices.DeleteFunc(remaining, tt.f.Matches)
		equal(t, fmt.Sprintf("tuples at %v after DeleteTuples(%+v)", rev, tt.f),
			strs(query(t, s.Snapshot(rev), store.TupleFilter{}, store.QueryOptions{})),
			strs(slices.SortedFunc(slices.Values(remaining), store.Tuple.Compare)))
	}
}

// testDeleteCount checks that WriteTuples counts the tuples its deletes removed: a stored one, one
// written earlier in the same transaction or call, but not a missing one nor one already deleted.
func testDeleteCount(t *testing.T, s store.Store) {
	write(t, s, store.Create, "document:a#viewer@user:alice", "document:a#viewer@user:bob")
	bob := parse(t, "document:a#viewer@user:bob")[0]
	calls := []struct {
		updates []store.Update
		want    int
	}{
		{updates(store.Delete, parse(t, "document:a#viewer@user:alice", "document:a#viewer@user:nobody")), 1},
		{updates(store.Create, parse(t, "document:c#viewer@user:carol")), 0},
		{updates(store.Delete, parse(t, "document:c#viewer@user:carol", "document:a#viewer@user:alice")), 1},
		{[]store.Update{{Op: store.Touch, Tuple: bob}, {Op: store.Delete, Tuple: bob}}, 1},
		{updates(store.Delete, parse(t, "document:z#viewer@user:nobody")), 0},
	}
	rev, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		for i, c := range calls {
			n, err := tx.WriteTuples(ctx, c.updates)
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("WriteTuples call %d (%v) deleted %d tuples; want %d", i, c.updates, n, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("Transact: %v", err)
	}
	equal(t, "tuples after the deletes", strs(query(t, s.Snapshot(rev), store.TupleFilter{}, store.QueryOptions{})), nil)
}

func testFailedTransaction(t *testing.T, s store.Store) {
	rev := write(t, s, store.Create, "document:a#viewer@user:alice")
	errBoom := errors.New("boom")
	_, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.WriteTuples(ctx, updates(store.Create, parse(t, "document:b#viewer@user:bob"))); err != nil {
			return err
		}
		if _, err := tx.WriteTuples(ctx, updates(store.Delete, parse(t, "document:a#viewer@user:alice"))); err != nil {
			return err
		}
		if err := tx.WriteSchema(ctx, "definition user {}"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("Transact returned %v; want fn's error", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	_, err = s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, updates(store.Create, parse(t, "document:c#viewer@user:carol")))
		cancel()
		return err
	})
	if err == nil {
		t.Fatal("Transact committed after its context was canceled")
	}

	if got := head(t, s); got != rev {
		t.Errorf("head moved from %v to %v", rev, got)
	}
	equal(t, "tuples", all(t, s), []string{"document:a#viewer@user:alice"})
	_, err = s.Snapshot(rev).ReadSchema(context.Background())
	wantCode(t, err, fault.NotFound)
}

// testTransactionReads checks that a transaction reads the newest commit.
func testTransactionReads(t *testing.T, s store.Store) {
	write(t, s, store.Create, "document:a#viewer@user:alice")
	write(t, s, store.Create, "document:a#viewer@user:bob")
	write(t, s, store.Delete, "document:a#viewer@user:alice")
	if _, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		return tx.WriteSchema(ctx, "definition user {}")
	}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		equal(t, "tuples read in a transaction", strs(query(t, tx, store.TupleFilter{}, store.QueryOptions{})),
			[]string{"document:a#viewer@user:bob"})
		if sv, err := tx.ReadSchema(ctx); err != nil || sv.Text != "definition user {}" {
			t.Errorf("ReadSchema in a transaction = %+v, %v", sv, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
