package sql_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
)

// TestGarbageCollection collects history older than the retention: deleted versions go, snapshots
// and watches from before the horizon fail with FailedPrecondition, and the head reads as before.
func TestGarbageCollection(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, freshDatabase(t), storesql.WithRetention(time.Millisecond))
	tu, _ := store.ParseTuple("doc:d#viewer@user:u")
	write := func(op store.Operation) store.Revision {
		t.Helper()
		rev, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, []store.Update{{Op: op, Tuple: tu}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	created := write(store.Touch)
	write(store.Delete)
	head := write(store.Touch)
	time.Sleep(20 * time.Millisecond)
	if err := st.CollectGarbage(ctx); err != nil {
		t.Fatal(err)
	}
	for _, err := range st.Snapshot(created).QueryTuples(ctx, store.TupleFilter{}, store.QueryOptions{}) {
		if fault.CodeOf(err) != fault.FailedPrecondition {
			t.Errorf("read below the horizon: %v, want FailedPrecondition", err)
		}
		break
	}
	for _, err := range st.Watch(ctx, created) {
		if fault.CodeOf(err) != fault.FailedPrecondition {
			t.Errorf("watch from below the horizon: %v, want FailedPrecondition", err)
		}
		break
	}
	n := 0
	for _, err := range st.Snapshot(head).QueryTuples(ctx, store.TupleFilter{}, store.QueryOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 1 {
		t.Errorf("the head holds %d tuples after collection, want 1", n)
	}
	var versions int
	if err := st.Pool().QueryRow(ctx, `SELECT count(*) FROM ward_tuples`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if versions != 1 {
		t.Errorf("%d tuple versions remain, want the live one only", versions)
	}
}
