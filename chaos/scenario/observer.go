package scenario

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/cluster"
	"github.com/wardhq/ward/chaos/workload"
)

// pollInterval is how often the observer asks every database node whether it is writable.
const pollInterval = 250 * time.Millisecond

// observer polls each database node's pg_is_in_recovery() in rounds, over the ports published
// to the harness (outside the proxies, so a partition does not hide a node from it), to find
// moments with more than one writable node.
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
func (o *observer) poll(ctx context.Context, conn **pgx.Conn, r *cluster.Region) checker.Role {
	ctx, cancel := context.WithTimeout(ctx, 2*pollInterval)
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
	return checker.Primary
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
