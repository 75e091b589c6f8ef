package sql_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/mirror"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestDiscardedHistory plays what a PostgreSQL failover can do: the old primary made a commit
// visible (its wait for the synchronous standby was cancelled) that never reached the standby,
// and the promoted standby commits another transaction under the same revision. A watch that had
// passed the discarded commit must fail rather than go on, and the mirror must load a new copy
// (and say so, for the engine's caches) instead of serving the lost history at that revision.
func TestDiscardedHistory(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, freshDatabase(t))
	write := func(s string) store.Revision {
		t.Helper()
		rev, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: mustTuple(t, s)}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return rev
	}
	write("doc:a#viewer@user:x")

	var reloads atomic.Int32
	m, err := mirror.Open(ctx, st, mirror.WithOnReload(func() { reloads.Add(1) }))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	// The mirror follows the commit that will be lost, as a node does before the failover.
	lost := write("doc:b#viewer@user:lost")
	waitFor(t, func() bool { _, ok := readThrough(t, m, lost, "b")["lost"]; return ok })
	// A read the copy has not reached goes to the database after 100 ms, so the wait above does not
	// prove the copy applied the commit; its watch, woken by the commit's notification, has done so
	// well within this pause.
	time.Sleep(300 * time.Millisecond)

	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	watched := make(chan error, 1)
	go func() {
		for _, err := range st.Watch(wctx, lost) {
			watched <- err
			return
		}
	}()

	// The "failover": revision `lost` is replaced by another transaction's commit, then a new
	// commit follows on the new history.
	for _, stmt := range []string{
		`DELETE FROM ward_tuples WHERE created_rev = $1`,
		`DELETE FROM ward_commits WHERE revision = $1`,
		`INSERT INTO ward_commits (revision, transaction_id) VALUES ($1, gen_random_uuid())`,
		`INSERT INTO ward_tuples (resource_type, resource_id, relation, subject_type, subject_id, subject_relation, created_rev)
			VALUES ('doc', 'b', 'viewer', 'user', 'kept', '', $1)`,
	} {
		if _, err := st.Pool().Exec(ctx, stmt, int64(lost.Major)); err != nil {
			t.Fatal(err)
		}
	}
	next := write("doc:c#viewer@user:y")

	select {
	case err := <-watched:
		if fault.CodeOf(err) != fault.FailedPrecondition {
			t.Errorf("the watch yielded %v after its history was discarded; want FailedPrecondition", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch went on (or waited) after its history was discarded")
	}

	waitFor(t, func() bool { return reloads.Load() > 0 })
	if got := readThrough(t, m, next, "b"); len(got) != 1 || !got["kept"] {
		t.Errorf("the mirror serves doc:b's viewers %v at revision %v; want kept only, the surviving history", got, next)
	}
}

// readThrough returns the subjects of doc:id#viewer at rev as m serves them.
func readThrough(t *testing.T, m *mirror.Store, rev store.Revision, id string) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for tu, err := range m.Snapshot(rev).QueryTuples(context.Background(), store.TupleFilter{ResourceType: "doc", ResourceIDs: []string{id}}, store.QueryOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got[tu.Subject.ID] = true
	}
	return got
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// TestReadsWithoutThePrimary stops the database: minimize_latency snapshots then come, within the
// store's patience for the primary, from the newest revision this node knows to be committed,
// instead of failing after the whole retry budget, so that reads served by replicas or the
// in-memory copy stay up while a primary fails over.
func TestReadsWithoutThePrimary(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	st := openStore(t, srv.NewMigratedDatabase(t))
	rev, err := st.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: mustTuple(t, "doc:a#viewer@user:x")}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.OptimizedRevision(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// Another staleness bound, another grid of boundaries: the primary is asked (or, should the
	// boundaries meet, the snapshot chosen before is kept, which is the same revision). Half of 20 s
	// outlasts stopping the server, so the fallback is within the bound.
	got, err := st.OptimizedRevision(ctx, 20*time.Second)
	if err != nil || got != rev {
		t.Errorf("OptimizedRevision without the primary: %v, %v; want %v, the newest commit this node saw", got, err, rev)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("OptimizedRevision without the primary took %v", took)
	}
}

// TestNoStaleFallback checks that the fallback has a limit: once the primary has not answered for
// half the staleness bound, a minimize_latency snapshot is refused rather than served stale (this
// node cannot tell a dead primary from one that others still reach and commit to).
func TestNoStaleFallback(t *testing.T) {
	ctx := context.Background()
	srv := pgtest.Start(t)
	st := openStore(t, srv.NewMigratedDatabase(t), storesql.WithRetryBudget(time.Second))
	if _, err := st.OptimizedRevision(ctx, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	// A bound of 20 ms: its half has passed since the primary last answered.
	if rev, err := st.OptimizedRevision(ctx, 20*time.Millisecond); fault.CodeOf(err) != fault.Unavailable {
		t.Errorf("OptimizedRevision past the fallback's limit: %v, %v; want Unavailable", rev, err)
	}
}
