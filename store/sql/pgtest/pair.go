package pgtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/network"
)

// primaryAlias is the primary's name on a pair's network, which its replica connects to.
const primaryAlias = "primary"

// StartPair starts a primary and a streaming hot-standby replica of it, on a Docker network of
// their own, and stops both when the test and its subtests end. Both have host ports, like a
// server of [Start]; the replica is read-only, and [Server.NewDatabase] fails on it. Replication
// is asynchronous: see [Server.WaitCaughtUp] and [Server.PauseReplay].
func StartPair(t testing.TB) (primary, replica *Server) {
	t.Helper()
	primary, replicas := StartCluster(t, 1)
	return primary, replicas[0]
}

// StartCluster is [StartPair] with n replicas of the one primary.
func StartCluster(t testing.TB, n int) (primary *Server, replicas []*Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	nw, err := network.New(ctx, network.WithLabels(ownerLabels()))
	testcontainers.CleanupNetwork(t, nw) // registered first, so it runs after the containers' cleanups
	if err != nil {
		t.Fatalf("pgtest: create a network: %v", err)
	}
	// All start at once: a replica's entry point retries its base backup until the primary
	// answers.
	logger := tclog.TestLogger(t)
	var wg sync.WaitGroup
	servers := make([]*Server, n+1)
	errs := make([]error, n+1)
	wg.Go(func() {
		servers[0], errs[0] = start(ctx, logger, network.WithNetwork([]string{primaryAlias}, nw))
	})
	for i := 1; i <= n; i++ {
		wg.Go(func() {
			servers[i], errs[i] = start(ctx, logger,
				network.WithNetwork(nil, nw),
				testcontainers.WithEnv(map[string]string{"PG_PRIMARY_HOST": primaryAlias}))
		})
	}
	wg.Wait()
	for _, s := range servers {
		if s != nil {
			t.Cleanup(func() { s.cleanup(t) })
		}
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if i == 0 {
			t.Fatalf("pgtest: primary: %v", err)
		}
		t.Fatalf("pgtest: replica %d: %v", i, err)
	}
	return servers[0], servers[1:]
}

// RequireSynchronousStandby makes the primary s wait, at each commit, for one of its standbys
// (synchronous_standby_names = 'ANY 1 (*)'), from now on.
func (s *Server) RequireSynchronousStandby(ctx context.Context) error {
	if err := s.exec(ctx, "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (*)'"); err != nil {
		return fmt.Errorf("synchronous standby: %w", err)
	}
	if err := s.exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("synchronous standby: %w", err)
	}
	return nil
}

// PauseReplay pauses the replay of WAL on a replica (pg_wal_replay_pause) and returns once it
// has paused: from then on, the replica receives what its primary writes but shows none of it
// until [Server.ResumeReplay].
func (s *Server) PauseReplay(ctx context.Context) error {
	conn, err := s.connect(ctx)
	if err != nil {
		return fmt.Errorf("pause replay: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_wal_replay_pause()"); err != nil {
		return fmt.Errorf("pause replay on %s: %w", s.name(), err)
	}
	for {
		var state string
		if err := conn.QueryRow(ctx, "SELECT pg_get_wal_replay_pause_state()").Scan(&state); err != nil {
			return fmt.Errorf("pause replay on %s: %w", s.name(), err)
		}
		if state == "paused" {
			return nil
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("pause replay on %s: still %q: %w", s.name(), state, err)
		}
	}
}

// ResumeReplay resumes the replay of WAL on a replica (pg_wal_replay_resume).
func (s *Server) ResumeReplay(ctx context.Context) error {
	if err := s.exec(ctx, "SELECT pg_wal_replay_resume()"); err != nil {
		return fmt.Errorf("resume replay: %w", err)
	}
	return nil
}

// WaitCaughtUp waits until the replica has replayed all that primary had written when
// WaitCaughtUp was called (pg_last_wal_replay_lsn() >= the primary's pg_current_wal_lsn()), so
// that the replica then shows every transaction that had committed on primary. It waits until
// ctx ends while replay is paused.
func (s *Server) WaitCaughtUp(ctx context.Context, primary *Server) error {
	var lsn string
	pconn, err := primary.connect(ctx)
	if err != nil {
		return fmt.Errorf("wait caught up: %w", err)
	}
	err = pconn.QueryRow(ctx, "SELECT pg_current_wal_lsn()::text").Scan(&lsn)
	pconn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("wait caught up: primary %s: %w", primary.name(), err)
	}
	conn, err := s.connect(ctx)
	if err != nil {
		return fmt.Errorf("wait caught up: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		var standby, done bool
		err := conn.QueryRow(ctx,
			"SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)",
			lsn).Scan(&standby, &done)
		switch {
		case err != nil:
			return fmt.Errorf("wait caught up: %s: %w", s.name(), err)
		case !standby:
			return fmt.Errorf("wait caught up: %s is not a replica", s.name())
		case done:
			return nil
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("wait caught up: %s has not replayed up to %s: %w", s.name(), lsn, err)
		}
	}
}

// sleep waits for d, or until ctx ends and returns its error.
func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// Promote makes a replica a primary (pg_promote, waiting for it to finish): what a failover
// does once the old primary is gone.
func (s *Server) Promote(ctx context.Context) error {
	return s.exec(ctx, "SELECT pg_promote(true, 60)")
}
