package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

func testSnapshots(t *testing.T, s store.Store) {
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice", "document:b#viewer@user:bob")
	r2, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, []store.Update{
			{Op: store.Delete, Tuple: parse(t, "document:a#viewer@user:alice")[0]},
			{Op: store.Create, Tuple: parse(t, "document:c#viewer@user:carol")[0]},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	r3 := write(t, s, store.Delete, "document:b#viewer@user:bob")
	r4 := write(t, s, store.Create, "document:a#viewer@user:alice")
	for _, p := range [][2]store.Revision{{r1, r2}, {r2, r3}, {r3, r4}} {
		if !p[0].Less(p[1]) {
			t.Fatalf("revision %v of a later commit is not after %v", p[1], p[0])
		}
	}
	tests := []struct {
		rev  store.Revision
		want []string
	}{
		{r1, []string{"document:a#viewer@user:alice", "document:b#viewer@user:bob"}},
		{r2, []string{"document:b#viewer@user:bob", "document:c#viewer@user:carol"}},
		{r3, []string{"document:c#viewer@user:carol"}},
		{r4, []string{"document:a#viewer@user:alice", "document:c#viewer@user:carol"}},
	}
	for _, tt := range tests {
		r := s.Snapshot(tt.rev)
		equal(t, "tuples at "+tt.rev.String(), strs(query(t, r, store.TupleFilter{}, store.QueryOptions{})), tt.want)
		f := store.TupleFilter{ResourceType: "document", ResourceIDs: []string{"a"}, Relation: "viewer"}
		var want []string
		for _, s := range tt.want {
			if f.Matches(parse(t, s)[0]) {
				want = append(want, s)
			}
		}
		equal(t, "document:a at "+tt.rev.String(), strs(query(t, r, f, store.QueryOptions{})), want)
	}
}

func testEmptyStore(t *testing.T, s store.Store) {
	r := s.Snapshot(head(t, s))
	equal(t, "tuples", strs(query(t, r, store.TupleFilter{}, store.QueryOptions{})), nil)
	_, err := r.ReadSchema(context.Background())
	wantCode(t, err, fault.NotFound)
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testFutureRevision(t *testing.T, s store.Store) {
	rev := write(t, s, store.Create, "document:a#viewer@user:alice")
	future := s.Snapshot(store.Revision{Major: rev.Major + 1<<40})
	wantCode(t, queryErr(future), fault.FailedPrecondition)
	_, err := future.ReadSchema(context.Background())
	wantCode(t, err, fault.FailedPrecondition)
}

func testSchema(t *testing.T, s store.Store) {
	r0 := head(t, s)
	writeSchema := func(text string) store.Revision {
		rev, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
			return tx.WriteSchema(ctx, text)
		})
		if err != nil {
			t.Fatalf("WriteSchema: %v", err)
		}
		return rev
	}
	r1 := writeSchema("definition user {}")
	r2 := write(t, s, store.Create, "document:a#viewer@user:alice")
	r3 := writeSchema("definition user {}\ndefinition document {}")
	tests := []struct {
		rev  store.Revision
		want store.SchemaVersion
	}{
		{r1, store.SchemaVersion{Text: "definition user {}", Revision: r1}},
		{r2, store.SchemaVersion{Text: "definition user {}", Revision: r1}},
		{r3, store.SchemaVersion{Text: "definition user {}\ndefinition document {}", Revision: r3}},
	}
	for _, tt := range tests {
		got, err := s.Snapshot(tt.rev).ReadSchema(context.Background())
		if err != nil || got != tt.want {
			t.Errorf("ReadSchema at %v = %+v, %v; want %+v", tt.rev, got, err, tt.want)
		}
	}
	_, err := s.Snapshot(r0).ReadSchema(context.Background())
	wantCode(t, err, fault.NotFound)
}

func testOptimizedRevision(t *testing.T, s store.Store) {
	ctx := context.Background()
	write(t, s, store.Create, "document:a#viewer@user:alice")
	h := write(t, s, store.Create, "document:a#viewer@user:bob")
	for _, staleness := range []time.Duration{0, -time.Second} {
		if got, err := s.OptimizedRevision(ctx, staleness); err != nil || got != h {
			t.Errorf("OptimizedRevision(%v) = %v, %v; want the head %v", staleness, got, err, h)
		}
	}

	// Whatever it picks is a readable revision no newer than the head.
	for _, staleness := range []time.Duration{time.Millisecond, time.Second, time.Hour} {
		got, err := s.OptimizedRevision(ctx, staleness)
		if err != nil {
			t.Fatalf("OptimizedRevision(%v): %v", staleness, err)
		}
		if h.Less(got) {
			t.Errorf("OptimizedRevision(%v) = %v, after the head %v", staleness, got, h)
		}
		if err := queryErr(s.Snapshot(got)); err != nil {
			t.Errorf("reading OptimizedRevision(%v) = %v: %v", staleness, got, err)
		}
	}

	// It is stable: of three calls in a row, two give the same answer even if a window ends between.
	var revs [3]store.Revision
	for i := range revs {
		revs[i], _ = s.OptimizedRevision(ctx, time.Hour)
	}
	if revs[0] != revs[1] && revs[1] != revs[2] {
		t.Errorf("OptimizedRevision(1h) changed twice in a row: %v", revs)
	}

	// A commit acknowledged more than maxStaleness ago is always included.
	const staleness = 50 * time.Millisecond
	acked := write(t, s, store.Create, "document:a#viewer@user:carol")
	time.Sleep(staleness + 10*time.Millisecond)
	if got, err := s.OptimizedRevision(ctx, staleness); err != nil || got.Less(acked) {
		t.Errorf("OptimizedRevision(%v) = %v, %v; want at least %v, acknowledged before", staleness, got, err, acked)
	}
}
