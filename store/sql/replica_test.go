package sql_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// onServer returns dsn with its host and port replaced by those of srv: the same database on
// another server, such as a replica.
func onServer(t *testing.T, dsn string, srv *pgtest.Server) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	base, err := url.Parse(srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	u.Host = base.Host
	return u.String()
}

// TestReplicas runs checks on a primary and a streaming replica whose replay is paused on
// purpose: a check with a write's token is never answered from the lagging replica, and
// minimize_latency checks are served by the replica once it has the snapshot they read.
func TestReplicas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, replica := pgtest.StartPair(t)
	dsn := primary.NewMigratedDatabase(t)
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dsn, storesql.WithReplicas(onServer(t, dsn, replica)), storesql.WithPollInterval(5*time.Millisecond))
	const staleness = 400 * time.Millisecond
	e, err := engine.New(st, engine.WithMaxStaleness(staleness))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}
	write := func(i int) engine.Token {
		t.Helper()
		tu, _ := store.ParseTuple(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		_, tok, err := e.WriteTuples(ctx, []store.Update{{Op: store.Touch, Tuple: tu}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	check := func(c engine.Consistency, i int) bool {
		t.Helper()
		item, _ := engine.ParseCheckItem(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		ok, _, err := e.Check(ctx, c, item)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}

	// minimize_latency, once the snapshot it reads is old enough for the replica to have it.
	write(0)
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	time.Sleep(staleness) // the optimized revision now covers the write
	p0, r0 := st.Reads()
	for range 20 {
		if !check(engine.Consistency{}, 0) {
			t.Fatal("minimize_latency check of an old write: denied")
		}
	}
	p1, r1 := st.Reads()
	if r1 == r0 || p1 != p0 {
		t.Errorf("minimize_latency checks read the primary %d times and the replica %d times; want only the replica", p1-p0, r1-r0)
	}

	// With replay paused, every write checked with its token is seen, from the primary.
	if err := replica.PauseReplay(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		tok := write(i)
		if !check(engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}, i) {
			t.Fatalf("write %d checked with its token while the replica lags: denied", i)
		}
	}
	p2, r2 := st.Reads()
	if p2 == p1 || r2 != r1 {
		t.Errorf("token checks read the primary %d times and the lagging replica %d times; want only the primary", p2-p1, r2-r1)
	}
	// Let the staleness window pass: minimize_latency then asks for a snapshot the paused
	// replica does not have, and must not get an older answer from it.
	time.Sleep(staleness)
	if !check(engine.Consistency{}, 20) {
		t.Error("minimize_latency check past the staleness bound missed a write the lagging replica lacks")
	}

	// Once replay resumes and catches up, the replica serves again.
	if err := replica.ResumeReplay(ctx); err != nil {
		t.Fatal(err)
	}
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // a few polls of the replica's head
	_, r3 := st.Reads()
	// Write 1 was checked at its own revision only: this check is not in the cache.
	if !check(engine.Consistency{Mode: engine.FullyConsistent}, 1) {
		t.Fatal("fully consistent check after catching up: denied")
	}
	if p4, r4 := st.Reads(); r4 == r3 {
		head, _ := st.HeadRevision(ctx)
		t.Errorf("after catching up, a fully consistent check did not use the replica (head %v, primary reads %d, replica heads %v)", head, p4, st.ReplicaHeads())
	}
}
