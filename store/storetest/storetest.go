// Package storetest owns the test suite that every [store.Store] implementation must pass: the
// contract of store/store.go written as tests. An implementation's tests call [Run] with a function
// that returns a fresh, empty store.
package storetest

import (
	"context"
	"slices"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Run runs the suite against the stores newStore returns. Each subtest asks for its own store, which
// must be empty, and closes it when it ends. Run with -race: some subtests run writers and readers
// concurrently.
func Run(t *testing.T, newStore func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s store.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Filters", testFilters},
		{"Pagination", testPagination},
		{"PaginationScan", testPaginationScan},
		{"CreateExisting", testCreateExisting},
		{"Touch", testTouch},
		{"DeleteMissing", testDeleteMissing},
		{"DeleteTuples", testDeleteTuples},
		{"DeleteCount", testDeleteCount},
		{"FailedTransaction", testFailedTransaction},
		{"TransactionReads", testTransactionReads},
		{"Snapshots", testSnapshots},
		{"EmptyStore", testEmptyStore},
		{"FutureRevision", testFutureRevision},
		{"Schema", testSchema},
		{"OptimizedRevision", testOptimizedRevision},
		{"Watch", testWatch},
		{"WatchCancel", testWatchCancel},
		{"WatchSlowConsumer", testWatchSlowConsumer},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tt.test(t, s)
		})
	}
}

// parse parses tuples written as `type:id#relation@subject`.
func parse(t testing.TB, ss ...string) []store.Tuple {
	t.Helper()
	out := make([]store.Tuple, len(ss))
	for i, s := range ss {
		tup, err := store.ParseTuple(s)
		if err != nil {
			t.Fatalf("ParseTuple(%q): %v", s, err)
		}
		out[i] = tup
	}
	return out
}

// sorted returns the tuples, written as strings, in store order.
func sorted(t testing.TB, ss ...string) []string {
	t.Helper()
	return strs(slices.SortedFunc(slices.Values(parse(t, ss...)), store.Tuple.Compare))
}

func strs(tuples []store.Tuple) []string {
	out := make([]string, len(tuples))
	for i, tup := range tuples {
		out[i] = tup.String()
	}
	return out
}

func updates(op store.Operation, tuples []store.Tuple) []store.Update {
	out := make([]store.Update, len(tuples))
	for i, tup := range tuples {
		out[i] = store.Update{Op: op, Tuple: tup}
	}
	return out
}

// write commits one transaction that applies op to the tuples and returns its revision.
func write(t testing.TB, s store.Store, op store.Operation, ss ...string) store.Revision {
	t.Helper()
	rev, err := apply(s, op, parse(t, ss...))
	if err != nil {
		t.Fatalf("Transact(%v %v): %v", op, ss, err)
	}
	return rev
}

// apply is write for goroutines other than the test's.
func apply(s store.Store, op store.Operation, tuples []store.Tuple) (store.Revision, error) {
	return s.Transact(context.Background(), func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, updates(op, tuples))
		return err
	})
}

// query returns what r yields for f and opts, failing the test on an error.
func query(t testing.TB, r store.Reader, f store.TupleFilter, opts store.QueryOptions) []store.Tuple {
	t.Helper()
	var out []store.Tuple
	for tup, err := range r.QueryTuples(context.Background(), f, opts) {
		if err != nil {
			t.Fatalf("QueryTuples(%+v): %v", f, err)
		}
		out = append(out, tup)
	}
	return out
}

// all returns every tuple of the head snapshot, as strings.
func all(t testing.TB, s store.Store) []string {
	t.Helper()
	return strs(query(t, s.Snapshot(head(t, s)), store.TupleFilter{}, store.QueryOptions{}))
}

func head(t testing.TB, s store.Store) store.Revision {
	t.Helper()
	rev, err := s.HeadRevision(context.Background())
	if err != nil {
		t.Fatalf("HeadRevision: %v", err)
	}
	return rev
}

// queryErr returns the first error r yields for an empty filter.
func queryErr(r store.Reader) error {
	for _, err := range r.QueryTuples(context.Background(), store.TupleFilter{}, store.QueryOptions{}) {
		if err != nil {
			return err
		}
	}
	return nil
}

func wantCode(t testing.TB, err error, code fault.Code) {
	t.Helper()
	if got := fault.CodeOf(err); err == nil || got != code {
		t.Fatalf("error %v has code %v; want %v", err, got, code)
	}
}

func equal(t testing.TB, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}
