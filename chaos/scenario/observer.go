package scenario

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/cluster"
	"github.com/wardhq/ward/chaos/workload"
)

// pollInterval is how often the observer asks every database node whether it is writable, and
// probeTimeout how long a node out of recovery has to commit the probe write.
const (
	pollInterval = 250 * time.Millisecond
	probeTimeout = time.Second
)

// observer polls each database node in rounds, over the ports published to the harness (outside
// the proxies, so a partition does not hide a node from it), to find moments with more than one
// writable node. A node out of recovery (pg_is_in_recovery() false) is writable when it also
// commits a probe write — an upsert of its row in ward_chaos_probe, acknowledged as any commit
// (synchronous_commit on) — within probeTimeout; otherwise it is a primary that cannot
// acknowledge writes ([checker.Isolated]): in strict synchronous mode, a stalled leader that
// wakes up after a failover, until Patroni demotes it.
type observer struct {
	c   *cluster.Cluster
	rec *workload.Recorder

	mu      sync.Mutex
	samples []checker.Sample
}

func (o *observer) run(ctx context.Context) {
	conns := make([]*pgx.Conn, len(o.c.Regions))
	defer func() {
		for _, c := range conns {
			if c != nil {
				closeConn(c)
			}
		}
	}()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for round := 0; ; round++ {
		at := o.rec.Since()
		roles := make([]checker.Role, len(o.c.Regions))
		var wg sync.WaitGroup
		for i, r := range o.c.Regions {
			wg.Go(func() { roles[i] = o.poll(ctx, &conns[i], r) })
		}
		wg.Wait()
		if ctx.Err() != nil {
			return
		}
		o.mu.Lock()
		for i, r := range o.c.Regions {
			o.samples = append(o.samples, checker.Sample{Round: round, At: at, Node: "pg-" + r.Name, Role: roles[i]})
		}
		o.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// poll asks one node, over a connection kept from round to round (made again after a failure).
func (o *observer) poll(parent context.Context, conn **pgx.Conn, r *cluster.Region) checker.Role {
	ctx, cancel := context.WithTimeout(parent, 2*pollInterval)
	defer cancel()
	if *conn == nil {
		c, err := pgx.Connect(ctx, r.PGDSN())
		if err != nil {
			return checker.Unreachable
		}
		*conn = c
	}
	var recovery bool
	if err := (*conn).QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil {
		closeConn(*conn)
		*conn = nil
		return checker.Unreachable
	}
	if recovery {
		return checker.Replica
	}
	pctx, cancelProbe := context.WithTimeout(parent, probeTimeout)
	defer cancelProbe()
	_, err := (*conn).Exec(pctx, `INSERT INTO ward_chaos_probe (node, at) VALUES ($1, now())
		ON CONFLICT (node) DO UPDATE SET at = excluded.at`, r.Name)
	if err != nil {
		// Cancelled while waiting for a standby, the commit stays local to the node, whose
		// connection pgx has closed: a new one is made next round.
		closeConn(*conn)
		*conn = nil
		if parent.Err() == nil && pctx.Err() != nil {
			return checker.Isolated
		}
		return checker.Unreachable
	}
	return checker.Primary
}

// createProbeTable creates ward_chaos_probe on the writable node at dsn.
func createProbeTable(ctx context.Context, dsn string) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("creating the probe table: %w", err)
	}
	defer closeConn(conn)
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS ward_chaos_probe (node text PRIMARY KEY, at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("creating the probe table: %w", err)
	}
	return nil
}

func (o *observer) result() []checker.Sample {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]checker.Sample(nil), o.samples...)
}

// closeConn closes a connection, waiting at most a second for a node that may be frozen.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.Close(ctx)
}
