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

// TestFailover follows a multi-host DSN from a primary that is stopped to its replica once the
// replica is promoted: writes fail with Unavailable or succeed after retrying in between, and
// resume on the new primary by themselves, with every write acknowledged before the failover
// still there.
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("stops a database server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, replica := pgtest.StartPair(t)
	dsn := primary.NewMigratedDatabase(t)
	// host=a,b with target_session_attrs=read-write: pgx tries each host and keeps the writable one.
	p, _ := url.Parse(dsn)
	r, _ := url.Parse(replica.DSN())
	p.Host = p.Host + "," + r.Host
	q := p.Query()
	q.Set("target_session_attrs", "read-write")
	p.RawQuery = q.Encode()
	st := openStore(t, p.String(), storesql.WithRetryBudget(20*time.Second))
	e, err := engine.New(st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}
	write := func(i int) (engine.Token, error) {
		tu, _ := store.ParseTuple(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		_, tok, err := e.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tu}}, nil)
		return tok, err
	}
	for i := range 10 {
		if _, err := write(i); err != nil {
			t.Fatal(err)
		}
	}
	if err := replica.WaitCaughtUp(ctx, primary); err != nil {
		t.Fatal(err)
	}
	if err := primary.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// The write waits, retrying, while the failover completes.
	promoted := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		promoted <- replica.Promote(ctx)
	}()
	start := time.Now()
	tok, err := write(10)
	if err != nil {
		t.Fatalf("write during the failover: %v", err)
	}
	if err := <-promoted; err != nil {
		t.Fatal(err)
	}
	t.Logf("the write during the failover succeeded after %s", time.Since(start).Round(time.Millisecond))
	for i := range 11 {
		item, _ := engine.ParseCheckItem(fmt.Sprintf("doc:d%d#viewer@user:u%d", i, i))
		ok, _, err := e.Check(ctx, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}, item)
		if err != nil || !ok {
			t.Errorf("write %d after the failover: check = %v, %v", i, ok, err)
		}
	}
}
