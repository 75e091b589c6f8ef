package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// watchTimeout bounds every wait for a watch; a store may poll.
const watchTimeout = 10 * time.Second

type watched struct {
	cs  store.ChangeSet
	err error
}

// watch runs Watch in a goroutine and returns its change sets on a channel, closed when the iteration
// ends.
func watch(ctx context.Context, s store.Store, after store.Revision) <-chan watched {
	ch := make(chan watched)
	go func() {
		defer close(ch)
		for cs, err := range s.Watch(ctx, after) {
			select {
			case ch <- watched{cs, err}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// next receives the next change set, failing the test on an error or a timeout.
func next(t testing.TB, ch <-chan watched) store.ChangeSet {
	t.Helper()
	select {
	case w, ok := <-ch:
		if !ok {
			t.Fatal("Watch ended early")
		}
		if w.err != nil {
			t.Fatalf("Watch: %v", w.err)
		}
		return w.cs
	case <-time.After(watchTimeout):
		t.Fatalf("no change set after %v", watchTimeout)
	}
	panic("unreachable")
}

// describe writes a change set with its changes in store order, which Watch does not promise.
func describe(cs store.ChangeSet) string {
	changes := slices.Clone(cs.Changes)
	slices.SortFunc(changes, func(a, b store.Change) int { return a.Tuple.Compare(b.Tuple) })
	s := cs.Revision.String() + ":"
	for _, c := range changes {
		s += fmt.Sprintf(" %v %v", c.Op, c.Tuple)
	}
	if cs.SchemaChanged {
		s += " schema"
	}
	return s
}

func testWatch(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r0 := head(t, s)
	live := watch(ctx, s, r0)

	var want []string
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice", "document:b#viewer@user:bob")
	want = append(want, r1.String()+": touch document:a#viewer@user:alice touch document:b#viewer@user:bob")
	write(t, s, store.Touch, "document:a#viewer@user:alice")
	r3 := write(t, s, store.Touch, "document:a#viewer@user:alice", "document:c#viewer@user:carol")
	want = append(want, r3.String()+": touch document:c#viewer@user:carol")
	write(t, s, store.Delete, "document:d#viewer@user:dan")
	r5 := write(t, s, store.Delete, "document:a#viewer@user:alice", "document:d#viewer@user:dan")
	want = append(want, r5.String()+": delete document:a#viewer@user:alice")
	r6, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.WriteSchema(ctx, "definition user {}")
	})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, r6.String()+": schema")
	r7, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.DeleteTuples(ctx, store.TupleFilter{ResourceType: "document"}); err != nil {
			return err
		}
		return tx.WriteSchema(ctx, "definition user {}\ndefinition document {}")
	})
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, r7.String()+": delete document:b#viewer@user:bob delete document:c#viewer@user:carol schema")

	read := func(ch <-chan watched, n int) []string {
		var got []string
		for range n {
			got = append(got, describe(next(t, ch)))
		}
		return got
	}
	equal(t, "live change sets", read(live, len(want)), want)
	equal(t, "change sets from the log", read(watch(ctx, s, r0), len(want)), want)
	equal(t, "change sets after "+r3.String(), read(watch(ctx, s, r3), len(want)-2), want[2:])

	// Nothing else was yielded in between: the next one is the next commit.
	r8 := write(t, s, store.Create, "document:e#viewer@user:eve")
	equal(t, "the next change set", read(live, 1), []string{r8.String() + ": touch document:e#viewer@user:eve"})
}

func testWatchCancel(t *testing.T, s store.Store) {
	write(t, s, store.Create, "document:a#viewer@user:alice")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	after := head(t, s)
	go func() {
		var last error
		for _, err := range s.Watch(ctx, after) {
			last = err
		}
		done <- last
	}()
	time.Sleep(10 * time.Millisecond) // let it wait
	cancel()
	select {
	case err := <-done:
		if err != nil && fault.CodeOf(err) != fault.Canceled {
			t.Errorf("Watch ended with %v after its context was canceled", err)
		}
	case <-time.After(watchTimeout):
		t.Fatal("Watch did not stop when its context was canceled")
	}
}

// testWatchSlowConsumer checks that commits go on while a consumer does not read.
func testWatchSlowConsumer(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stuck := watch(ctx, s, head(t, s)) // never read after the first
	write(t, s, store.Create, "document:a#viewer@user:alice")
	next(t, stuck)

	tuples := parse(t, "document:b#viewer@user:bob", "document:c#viewer@user:carol", "document:d#viewer@user:dan")
	done := make(chan error, 1)
	go func() {
		for _, tup := range tuples {
			if _, err := apply(s, store.Create, []store.Tuple{tup}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(watchTimeout):
		t.Fatal("commits waited for a watch consumer")
	}
}
