package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/wardhq/ward/store"
)

func TestEntryList(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var l entryList
	var want []resourceKey
	for i := range 6000 {
		k := resourceKey{"t", fmt.Sprint(rnd.IntN(3000)), "r"}
		j, found := slices.BinarySearchFunc(want, k, resourceKey.compare)
		switch {
		case i%3 == 2:
			l.remove(k)
			if found {
				want = slices.Delete(want, j, j+1)
			}
		case !found:
			l.insert(&entry{key: k})
			want = slices.Insert(want, j, k)
		}
	}
	var got []resourceKey
	for _, ch := range l.chunks {
		if len(ch) == 0 || len(ch) > maxChunk {
			t.Fatalf("a chunk of %d entries", len(ch))
		}
	}
	for e := range l.from(resourceKey{}) {
		got = append(got, e.key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the list holds %d keys, not the %d expected in order", len(got), len(want))
	}
	from := resourceKey{"t", "1500", ""}
	i, _ := slices.BinarySearchFunc(want, from, resourceKey.compare)
	n := 0
	for e := range l.from(from) {
		if e.key != want[i+n] {
			t.Fatalf("from(%v) yielded %v at %d; want %v", from, e.key, n, want[i+n])
		}
		n++
	}
}

func TestGarbageIsUnlinked(t *testing.T) {
	now := time.Now()
	s := New(WithClock(func() time.Time { return now }), WithRetention(time.Minute))
	ctx := context.Background()
	transact := func(fn func(ctx context.Context, tx store.Tx) error) {
		t.Helper()
		if _, err := s.Transact(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	var updates []store.Update
	for i := range 2100 {
		updates = append(updates, store.Update{Op: store.Create, Tuple: store.Tuple{
			Resource: store.ObjectRef{Type: "document", ID: fmt.Sprint(i % 700)},
			Relation: "viewer",
			Subject:  store.Subject{Type: "user", ID: fmt.Sprint(i % 3)},
		}})
	}
	transact(func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, updates)
		return err
	})
	transact(func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteTuples(ctx, store.TupleFilter{})
		return err
	})
	if len(s.garbage) != 2100 {
		t.Fatalf("%d deleted versions; want 2100", len(s.garbage))
	}
	now = now.Add(2 * time.Minute)
	// Each commit collects at most gcChunk (plus twice what it deleted); the third one finishes.
	for i := range 3 {
		transact(func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: store.Tuple{
				Resource: store.ObjectRef{Type: "document", ID: fmt.Sprint("kept", i)},
				Relation: "viewer",
				Subject:  store.Subject{Type: "user", ID: "0"},
			}}})
			return err
		})
		if left := 2100 - (i+1)*gcChunk; left > 0 && len(s.garbage) != left {
			t.Fatalf("after %d commits, %d deleted versions left; want %d", i+1, len(s.garbage), left)
		}
	}
	if len(s.garbage) != 0 || len(s.byResource) != 3 || len(s.bySubject) != 1 || len(s.log) != 3 {
		t.Errorf("after collection: %d garbage, %d resource keys, %d subject keys, %d log entries; want 0, 3, 1, 3",
			len(s.garbage), len(s.byResource), len(s.bySubject), len(s.log))
	}
	if n := len(slices.Collect(s.entries.from(resourceKey{}))); n != 3 {
		t.Errorf("%d entries in the ordered list; want 3", n)
	}
}
