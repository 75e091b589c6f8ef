package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/moby/moby/client"
)

// patroniMember is one member of Patroni's GET /cluster.
type patroniMember struct {
	Name  string `json:"name"`
	Role  string `json:"role"`
	State string `json:"state"`
}

// waitPatroni waits until Patroni reports a running leader, a synchronous (or quorum) standby
// and every other member streaming (at most 3 minutes).
func (c *Cluster) waitPatroni(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	var last string
	for {
		for _, r := range c.Regions {
			members, err := c.patroniCluster(ctx, r)
			if err != nil {
				last = err.Error()
				continue
			}
			leader, sync, streaming := 0, 0, 0
			for _, m := range members {
				switch {
				case m.Role == "leader" && m.State == "running":
					leader++
				case m.State == "streaming":
					streaming++
					// In quorum commit mode (the harness's image) Patroni calls the
					// standbys that may acknowledge a commit quorum_standby.
					if m.Role == "sync_standby" || m.Role == "quorum_standby" {
						sync++
					}
				}
			}
			last = fmt.Sprintf("%+v", members)
			if leader == 1 && sync >= 1 && streaming == len(c.Regions)-1 {
				c.log.Info("Patroni is up", "members", last)
				return nil
			}
			break
		}
		if err := sleep(ctx, time.Second); err != nil {
			return fmt.Errorf("patroni did not form a cluster with a leader and streaming replicas (last seen: %s)", last)
		}
	}
}

func (c *Cluster) patroniCluster(ctx context.Context, r *Region) ([]patroniMember, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/cluster", r.PG.HostPort(8008)), nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var body struct {
		Members []patroniMember `json:"members"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("patroni /cluster of %s: %w", r.Name, err)
	}
	return body.Members, nil
}

// Role reports whether the database node at dsn is writable (pg_is_in_recovery() is false),
// or the error that kept it from answering within timeout.
func Role(ctx context.Context, dsn string, timeout time.Duration) (primary bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var recovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&recovery); err != nil {
		return false, err
	}
	return !recovery, nil
}

// Leader returns the region whose database node is writable, waiting up to timeout for there
// to be exactly one. On CockroachDB, where every node takes writes, it is the database's
// primary region (the first), which holds ward_head and ward_commits.
func (c *Cluster) Leader(ctx context.Context, timeout time.Duration) (*Region, error) {
	if c.Cockroach() {
		return c.Regions[0], nil
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		var leaders []*Region
		for _, r := range c.Regions {
			if p, err := Role(ctx, r.PGDSN(), time.Second); err == nil && p {
				leaders = append(leaders, r)
			}
		}
		if len(leaders) == 1 {
			return leaders[0], nil
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return nil, fmt.Errorf("no single writable database node within %s (%d found)", timeout, len(leaders))
		}
	}
}

// Replica returns a region whose database node is a replica.
func (c *Cluster) Replica(ctx context.Context) (*Region, error) {
	leader, err := c.Leader(ctx, 30*time.Second)
	if err != nil {
		return nil, err
	}
	for _, r := range c.Regions {
		if r != leader {
			return r, nil
		}
	}
	return nil, errors.New("the cluster has no replica")
}

// Kill kills a node's container (SIGKILL): no clean shutdown, no released lock.
func (c *Cluster) Kill(ctx context.Context, n *Node) error {
	if _, err := c.docker.ContainerKill(ctx, n.ID(), client.ContainerKillOptions{Signal: "KILL"}); err != nil {
		return fmt.Errorf("kill %s: %w", n.Name, err)
	}
	return nil
}

// KillRegion kills every node of a region at once.
func (c *Cluster) KillRegion(ctx context.Context, r *Region) error {
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, n := range []*Node{r.Ward, r.PG, r.Etcd} {
		if n != nil { // no etcd beside CockroachDB
			wg.Go(func() { errs[i] = c.Kill(ctx, n) })
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Pause freezes a node's processes (docker pause): it neither answers nor notices time passing.
func (c *Cluster) Pause(ctx context.Context, n *Node) error {
	if _, err := c.docker.ContainerPause(ctx, n.ID(), client.ContainerPauseOptions{}); err != nil {
		return fmt.Errorf("pause %s: %w", n.Name, err)
	}
	return nil
}

// Unpause resumes a paused node.
func (c *Cluster) Unpause(ctx context.Context, n *Node) error {
	if _, err := c.docker.ContainerUnpause(ctx, n.ID(), client.ContainerUnpauseOptions{}); err != nil {
		return fmt.Errorf("unpause %s: %w", n.Name, err)
	}
	return nil
}

// RestartWard stops a region's ward node gracefully (SIGTERM: in-flight requests finish), starts
// it again and waits until it is ready. Its published ports stay the same.
func (c *Cluster) RestartWard(ctx context.Context, r *Region) error {
	timeout := 10
	if _, err := c.docker.ContainerStop(ctx, r.Ward.ID(), client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		return fmt.Errorf("stop %s: %w", r.Ward.Name, err)
	}
	if _, err := c.docker.ContainerStart(ctx, r.Ward.ID(), client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start %s: %w", r.Ward.Name, err)
	}
	return c.WaitWardReady(ctx, r)
}

// Tuples reads the live tuples of a namespace from a region's database node directly, as
// namespace:object#relation@subject.
func Tuples(ctx context.Context, dsn, namespace string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	rows, err := conn.Query(ctx, `SELECT resource_type || ':' || resource_id || '#' || relation || '@' || subject_type || ':' || subject_id
		|| CASE WHEN subject_relation = '' THEN '' ELSE '#' || subject_relation END
		FROM ward_tuples WHERE resource_type = $1 AND deleted_rev = 9223372036854775807`, namespace)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
