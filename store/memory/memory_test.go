package memory_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
	"github.com/wardhq/ward/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(*testing.T) store.Store { return memory.New() })
}

// clock is a fake clock for WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

func write(t testing.TB, s store.Store, op store.Operation, tuples ...string) store.Revision {
	t.Helper()
	var updates []store.Update
	for _, str := range tuples {
		tup, err := store.ParseTuple(str)
		if err != nil {
			t.Fatal(err)
		}
		updates = append(updates, store.Update{Op: op, Tuple: tup})
	}
	rev, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, updates)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

func queryErr(r store.Reader) error {
	for _, err := range r.QueryTuples(context.Background(), store.TupleFilter{}, store.QueryOptions{}) {
		if err != nil {
			return err
		}
	}
	return nil
}

func count(t testing.TB, r store.Reader) int {
	t.Helper()
	n := 0
	for _, err := range r.QueryTuples(context.Background(), store.TupleFilter{}, store.QueryOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n
}

func wantCode(t testing.TB, what string, err error, code fault.Code) {
	t.Helper()
	if got := fault.CodeOf(err); err == nil || got != code {
		t.Errorf("%s: error %v has code %v; want %v", what, err, got, code)
	}
}

func TestRevisions(t *testing.T) {
	s := memory.New()
	if rev, _ := s.HeadRevision(context.Background()); rev != (store.Revision{}) {
		t.Fatalf("a new store is at %v; want 0", rev)
	}
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice")
	r2 := write(t, s, store.Touch, "document:a#viewer@user:alice")
	r3 := write(t, s, store.Delete, "document:a#viewer@user:bob")
	r4 := write(t, s, store.Delete, "document:a#viewer@user:alice")
	want := []store.Revision{{Major: 1}, {Major: 1}, {Major: 1}, {Major: 2}}
	if got := []store.Revision{r1, r2, r3, r4}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("revisions %v; want %v: one per effective commit", got, want)
	}
	wantCode(t, "a revision with a minor part", queryErr(s.Snapshot(store.Revision{Major: 1, Minor: 1})), fault.FailedPrecondition)
	for _, err := range s.Watch(context.Background(), store.Revision{Major: 3}) {
		wantCode(t, "watching after a future revision", err, fault.FailedPrecondition)
		break
	}
}

func TestRetention(t *testing.T) {
	c := newClock()
	s := memory.New(memory.WithClock(c.Now), memory.WithRetention(time.Minute))
	ctx := context.Background()
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice", "document:a#viewer@user:bob")
	c.Advance(time.Second)
	r2 := write(t, s, store.Delete, "document:a#viewer@user:alice")
	c.Advance(30 * time.Second)
	r3 := write(t, s, store.Delete, "document:a#viewer@user:bob")

	// r1 was superseded 30 s ago: still readable.
	if n := count(t, s.Snapshot(r1)); n != 2 {
		t.Fatalf("%d tuples at %v; want 2", n, r1)
	}

	// r1 is superseded for longer than the retention once 61 s have passed since r2; the next commit
	// collects it, while r2, superseded 31 s later, stays.
	c.Advance(31 * time.Second)
	r4 := write(t, s, store.Create, "document:b#viewer@user:carol")
	wantCode(t, "reading a collected revision", queryErr(s.Snapshot(r1)), fault.FailedPrecondition)
	_, err := s.Snapshot(r1).ReadSchema(ctx)
	wantCode(t, "reading the schema of a collected revision", err, fault.FailedPrecondition)
	for _, err := range s.Watch(ctx, r1) {
		wantCode(t, "watching after a collected revision", err, fault.FailedPrecondition)
		break
	}
	if n := count(t, s.Snapshot(r2)); n != 1 {
		t.Errorf("%d tuples at %v; want 1", n, r2)
	}
	for cs, err := range s.Watch(ctx, r2) {
		if err != nil || cs.Revision != r3 {
			t.Errorf("Watch after %v yielded %v, %v; want %v", r2, cs.Revision, err, r3)
		}
		break
	}

	// Much later every superseded revision is gone, the head stays readable, and so does its schema.
	if _, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.WriteSchema(ctx, "definition user {}")
	}); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)
	r6 := write(t, s, store.Create, "document:c#viewer@user:dan")
	c.Advance(time.Hour)
	if rev := write(t, s, store.Touch, "document:c#viewer@user:dan"); rev != r6 {
		t.Fatalf("a touch committed %v", rev)
	}
	for _, rev := range []store.Revision{r2, r3, r4} {
		wantCode(t, "reading "+rev.String(), queryErr(s.Snapshot(rev)), fault.FailedPrecondition)
	}
	r7 := write(t, s, store.Create, "document:c#viewer@user:eve")
	if n := count(t, s.Snapshot(r7)); n != 3 {
		t.Errorf("%d tuples at the head; want 3", n)
	}
	if sv, err := s.Snapshot(r7).ReadSchema(ctx); err != nil || sv.Text != "definition user {}" {
		t.Errorf("ReadSchema at the head = %+v, %v", sv, err)
	}
}

func TestOptimizedRevision(t *testing.T) {
	c := newClock()
	start := c.Now().Truncate(time.Hour)
	c.Set(start)
	s := memory.New(memory.WithClock(c.Now))
	ctx := context.Background()
	at := func(d time.Duration) { c.Set(start.Add(d)) }

	at(0)
	r1 := write(t, s, store.Create, "document:a#viewer@user:alice")
	at(1 * time.Second)
	r2 := write(t, s, store.Create, "document:a#viewer@user:bob")
	at(3 * time.Second)
	r3 := write(t, s, store.Create, "document:a#viewer@user:carol")

	// maxStaleness 5 s: windows of 2.5 s.
	tests := []struct {
		now  time.Duration
		want store.Revision
	}{
		{3 * time.Second, r2},
		{3500 * time.Millisecond, r2},
		{4900 * time.Millisecond, r2},
		{5 * time.Second, r3},
		{time.Hour, r3},
	}
	for _, tt := range tests {
		at(tt.now)
		if got, err := s.OptimizedRevision(ctx, 5*time.Second); err != nil || got != tt.want {
			t.Errorf("at %v: OptimizedRevision(5s) = %v, %v; want %v", tt.now, got, err, tt.want)
		}
	}
	at(3 * time.Second)
	if got, _ := s.OptimizedRevision(ctx, time.Minute); got != r1 {
		t.Errorf("OptimizedRevision(1m) = %v; want %v, the head at the window's start", got, r1)
	}
}

func TestClose(t *testing.T) {
	s := memory.New()
	ctx := context.Background()
	rev := write(t, s, store.Create, "document:a#viewer@user:alice")
	watching := make(chan error, 1)
	go func() {
		var last error
		for _, err := range s.Watch(ctx, rev) {
			last = err
		}
		watching <- last
	}()

	for range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	select {
	case err := <-watching:
		wantCode(t, "a running Watch", err, fault.Unavailable)
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a running Watch")
	}
	wantCode(t, "Ping", s.Ping(ctx), fault.Unavailable)
	_, err := s.HeadRevision(ctx)
	wantCode(t, "HeadRevision", err, fault.Unavailable)
	_, err = s.OptimizedRevision(ctx, time.Second)
	wantCode(t, "OptimizedRevision", err, fault.Unavailable)
	wantCode(t, "QueryTuples", queryErr(s.Snapshot(rev)), fault.Unavailable)
	_, err = s.Transact(ctx, func(context.Context, store.Tx) error { return nil })
	wantCode(t, "Transact", err, fault.Unavailable)
	for _, err := range s.Watch(ctx, rev) {
		wantCode(t, "Watch", err, fault.Unavailable)
	}
}

func TestTransactValidates(t *testing.T) {
	s := memory.New()
	tests := []store.Update{
		{Op: store.Create, Tuple: store.Tuple{Resource: store.ObjectRef{Type: "document", ID: "a"}, Relation: "viewer"}},
		{Op: 9, Tuple: store.Tuple{Resource: store.ObjectRef{Type: "document", ID: "a"}, Relation: "viewer",
			Subject: store.Subject{Type: "user", ID: "alice"}}},
	}
	for _, u := range tests {
		_, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, []store.Update{u})
			return err
		})
		wantCode(t, fmt.Sprintf("writing %+v", u), err, fault.InvalidArgument)
	}
}

// populate writes n tuples: documents with 10 viewers each, half of them users and half group members.
func populate(b *testing.B, n int) *memory.Store {
	s := memory.New()
	_, err := s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		updates := make([]store.Update, 0, n)
		for i := range n {
			sub := store.Subject{Type: "user", ID: fmt.Sprintf("u%d", i%1000)}
			if i%2 == 1 {
				sub = store.Subject{Type: "group", ID: fmt.Sprintf("g%d", i%100), Relation: "member"}
			}
			updates = append(updates, store.Update{Op: store.Create, Tuple: store.Tuple{
				Resource: store.ObjectRef{Type: "document", ID: fmt.Sprintf("d%d", i/10)},
				Relation: "viewer",
				Subject:  sub,
			}})
		}
		_, err := tx.WriteTuples(ctx, updates)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkQueryByResource(b *testing.B) {
	const n = 100_000
	s := populate(b, n)
	ctx := context.Background()
	rev, _ := s.HeadRevision(ctx)
	r := s.Snapshot(rev)
	filters := map[string]func(i int) store.TupleFilter{
		"all": func(i int) store.TupleFilter {
			return store.TupleFilter{ResourceType: "document", ResourceIDs: []string{fmt.Sprintf("d%d", i%(n/10))}, Relation: "viewer"}
		},
		"subject": func(i int) store.TupleFilter {
			d := i % (n / 10)
			return store.TupleFilter{ResourceType: "document", ResourceIDs: []string{fmt.Sprintf("d%d", d)}, Relation: "viewer",
				SubjectType: "user", SubjectIDs: []string{fmt.Sprintf("u%d", (10*d+i%5*2)%1000)}}
		},
	}
	for name, filter := range filters {
		fs := make([]store.TupleFilter, 1024)
		for i := range fs {
			fs[i] = filter(i * 7919)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i, found := 0, 0
			for b.Loop() {
				for _, err := range r.QueryTuples(ctx, fs[i%len(fs)], store.QueryOptions{}) {
					if err != nil {
						b.Fatal(err)
					}
					found++
				}
				i++
			}
			b.ReportMetric(float64(found)/float64(i), "tuples/op")
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					for _, err := range r.QueryTuples(ctx, fs[i%len(fs)], store.QueryOptions{}) {
						if err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		})
	}
}

func BenchmarkQueryBySubject(b *testing.B) {
	s := populate(b, 100_000)
	ctx := context.Background()
	rev, _ := s.HeadRevision(ctx)
	r := s.Snapshot(rev)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := store.TupleFilter{ResourceType: "document", Relation: "viewer", SubjectType: "user", SubjectIDs: []string{fmt.Sprintf("u%d", i%1000)}}
		for _, err := range r.QueryTuples(ctx, f, store.QueryOptions{Limit: 10}) {
			if err != nil {
				b.Fatal(err)
			}
		}
		i++
	}
}

func BenchmarkTransact(b *testing.B) {
	s := populate(b, 100_000)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tup := store.Tuple{
			Resource: store.ObjectRef{Type: "document", ID: fmt.Sprintf("new%d", i)},
			Relation: "viewer",
			Subject:  store.Subject{Type: "user", ID: fmt.Sprintf("u%d", i%1000)},
		}
		if _, err := s.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tup}})
			return err
		}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
