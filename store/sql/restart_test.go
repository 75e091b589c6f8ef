package sql_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// TestRestartDuringLoad restarts PostgreSQL under a load of checks and writes: requests during the
// outage succeed after retrying or fail with Unavailable, no acknowledged write is lost, and the
// service recovers by itself.
func TestRestartDuringLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("restarts a database server")
	}
	srv := pgtest.Start(t)
	dsn := srv.NewMigratedDatabase(t)
	st := openStore(t, dsn, storesql.WithRetryBudget(3*time.Second))
	e, err := engine.New(st)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := e.WriteSchema(ctx, "definition user {}\ndefinition doc { relation viewer: user }\n"); err != nil {
		t.Fatal(err)
	}

	var (
		mu           sync.Mutex
		acknowledged []store.Tuple
		ok, failed   atomic.Int64
		wrongErrors  []error
	)
	record := func(err error) {
		if err == nil {
			ok.Add(1)
			return
		}
		failed.Add(1)
		if fault.CodeOf(err) != fault.Unavailable {
			mu.Lock()
			wrongErrors = append(wrongErrors, err)
			mu.Unlock()
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				tu, _ := store.ParseTuple(fmt.Sprintf("doc:w%d-%d#viewer@user:u%d", w, i, i))
				_, tok, err := e.WriteTuples(ctx, []store.Update{{Op: store.Create, Tuple: tu}}, nil)
				record(err)
				if err != nil {
					continue
				}
				mu.Lock()
				acknowledged = append(acknowledged, tu)
				mu.Unlock()
				item := engine.CheckItem{Resource: tu.Resource, Permission: "viewer", Subject: tu.Subject}
				allowed, _, err := e.Check(ctx, engine.Consistency{Mode: engine.AtLeastAsFresh, Token: tok}, item)
				record(err)
				if err == nil && !allowed {
					mu.Lock()
					wrongErrors = append(wrongErrors, fmt.Errorf("check of acknowledged write %s with its token: denied", tu))
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(time.Second)
	before := ok.Load()
	restartCtx, cancel := context.WithTimeout(ctx, time.Minute)
	if err := srv.Restart(restartCtx); err != nil {
		t.Fatal(err)
	}
	cancel()
	restarted := ok.Load()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()
	after := ok.Load()
	t.Logf("%d requests succeeded before the restart, %d during it, %d after; %d failed", before, restarted-before, after-restarted, failed.Load())
	for _, err := range wrongErrors {
		t.Errorf("unexpected outcome: %v", err)
	}
	if after == restarted {
		t.Fatal("no request succeeded after the restart: the service did not recover")
	}
	// Every acknowledged write is still there.
	var missing int
	for _, tu := range acknowledged {
		item := engine.CheckItem{Resource: tu.Resource, Permission: "viewer", Subject: tu.Subject}
		allowed, _, err := e.Check(ctx, engine.Consistency{Mode: engine.FullyConsistent}, item)
		if err != nil {
			t.Fatal(err)
		}
		if !allowed {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes are missing after the restart", missing, len(acknowledged))
	}
}
