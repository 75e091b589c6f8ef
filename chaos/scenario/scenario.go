// Package scenario is the chaos harness's scenarios as code: each starts the three-region
// cluster (package cluster), runs the workload in every region (package workload), injects its
// faults after a warm-up, keeps the workload going a while after, verifies every acknowledged
// write on every surviving database node, and hands the history to package checker, whose
// result and HTML report it writes.
package scenario

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/cluster"
)

// Scenario is one named sequence of faults.
type Scenario struct {
	Name        string
	Description string
	// inject runs the faults, from the end of the warm-up; the workload goes on meanwhile.
	inject func(ctx context.Context, e *env) error
}

// All returns every scenario, in the order `make chaos` runs them.
func All() []Scenario {
	return []Scenario{
		{
			Name:        "leader-kill",
			Description: "kill the writable PostgreSQL node (SIGKILL); Patroni promotes the standby furthest along",
			inject: func(ctx context.Context, e *env) error {
				l, err := e.c.Leader(ctx, 30*time.Second)
				if err != nil {
					return err
				}
				e.begin("kill leader pg-"+l.Name, true)
				e.deadPG[l.Index] = true
				return e.c.Kill(ctx, l.PG)
			},
		},
		{
			Name:        "replica-kill",
			Description: "kill a read-only PostgreSQL node (SIGKILL)",
			inject: func(ctx context.Context, e *env) error {
				r, err := e.c.Replica(ctx)
				if err != nil {
					return err
				}
				e.begin("kill replica pg-"+r.Name, false)
				e.deadPG[r.Index] = true
				return e.c.Kill(ctx, r.PG)
			},
		},
		{
			Name:        "region-kill",
			Description: "kill every node of the leader's region at once: etcd, PostgreSQL and ward",
			inject: func(ctx context.Context, e *env) error {
				l, err := e.c.Leader(ctx, 30*time.Second)
				if err != nil {
					return err
				}
				e.begin("kill region "+l.Name, true, l.Name)
				e.deadPG[l.Index] = true
				e.deadRegion[l.Index] = true
				return e.c.KillRegion(ctx, l)
			},
		},
		{
			Name:        "region-partition",
			Description: "cut the leader's region off from the others for 30 s, then heal the links",
			inject: func(ctx context.Context, e *env) error {
				l, err := e.c.Leader(ctx, 30*time.Second)
				if err != nil {
					return err
				}
				f := e.begin("partition region "+l.Name, true, l.Name)
				e.restore = append(e.restore, func(ctx context.Context) error { return e.c.Heal(ctx, l) })
				if err := e.c.Partition(ctx, l); err != nil {
					return err
				}
				if err := sleep(ctx, 30*time.Second); err != nil {
					return err
				}
				e.end(f)
				return e.c.Heal(ctx, l)
			},
		},
		{
			Name:        "leader-stall",
			Description: "freeze the writable PostgreSQL node and its Patroni (docker pause) for 20 s",
			inject: func(ctx context.Context, e *env) error {
				l, err := e.c.Leader(ctx, 30*time.Second)
				if err != nil {
					return err
				}
				f := e.begin("stall leader pg-"+l.Name, true)
				e.restore = append(e.restore, func(ctx context.Context) error { return e.c.Unpause(ctx, l.PG) })
				if err := e.c.Pause(ctx, l.PG); err != nil {
					return err
				}
				if err := sleep(ctx, 20*time.Second); err != nil {
					return err
				}
				e.end(f)
				return e.c.Unpause(ctx, l.PG)
			},
		},
		{
			Name: "rolling-restart",
			Description: "restart the ward nodes one region after another (SIGTERM, start, ready), 5 s apart; " +
				"with one ward node per region, a region counts as down while its node restarts",
			inject: func(ctx context.Context, e *env) error {
				for _, r := range e.c.Regions {
					f := e.begin("restart ward-"+r.Name, false, r.Name)
					if err := e.c.RestartWard(ctx, r); err != nil {
						return err
					}
					e.end(f)
					if err := sleep(ctx, 5*time.Second); err != nil {
						return err
					}
				}
				return nil
			},
		},
		{
			Name:        "latency-spike",
			Description: "multiply the latency between regions by 4 (round trips of 120–320 ms) for 20 s, then restore it",
			inject: func(ctx context.Context, e *env) error {
				f := e.begin("latency x4", false)
				e.restore = append(e.restore, func(ctx context.Context) error { return e.c.SetLatency(ctx, 1) })
				if err := e.c.SetLatency(ctx, 4); err != nil {
					return err
				}
				if err := sleep(ctx, 20*time.Second); err != nil {
					return err
				}
				e.end(f)
				return e.c.SetLatency(ctx, 1)
			},
		},
	}
}

// Names lists the scenarios' names.
func Names() []string {
	var names []string
	for _, s := range All() {
		names = append(names, s.Name)
	}
	return names
}

// Lookup returns the scenario called name.
func Lookup(name string) (Scenario, error) {
	i := slices.IndexFunc(All(), func(s Scenario) bool { return s.Name == name })
	if i < 0 {
		return Scenario{}, fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(Names(), ", "))
	}
	return All()[i], nil
}

// env is what a scenario's faults act on, and the record of what they did.
type env struct {
	c      *cluster.Cluster
	since  func() time.Duration
	faults []checker.Fault
	// deadPG marks the regions whose database node was killed: it is not verified at the end.
	deadPG map[int]bool
	// deadRegion marks the regions killed whole: their ward node is not swept at the end.
	deadRegion map[int]bool
	// restore undoes faults that a scenario interrupted midway would leave (paused nodes,
	// cut links), so that the final verification can reach every node.
	restore []func(context.Context) error
}

// begin records the start of a fault, now; down lists the regions that stop counting as
// surviving while it lasts. It returns the fault's index for end.
func (e *env) begin(name string, leaderLoss bool, down ...string) int {
	e.faults = append(e.faults, checker.Fault{Name: name, Start: e.since(), Down: down, LeaderLoss: leaderLoss})
	return len(e.faults) - 1
}

// end records the end of fault i, now.
func (e *env) end(i int) { e.faults[i].End = e.since() }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
