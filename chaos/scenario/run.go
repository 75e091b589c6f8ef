package scenario

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/cluster"
	"github.com/wardhq/ward/chaos/workload"
)

// Options configure a run.
type Options struct {
	// OutDir receives <scenario>/history.json, result.json and report.html (default
	// bin/chaos-results).
	OutDir string
	// Warmup is how long the workload runs before the faults (default 20 s); After, how long
	// it goes on after them (default 40 s).
	Warmup, After time.Duration
	// MaxStaleness is the ward nodes' bound on minimize_latency reads (default 5 s).
	MaxStaleness time.Duration
	// Thresholds are what the scenario must meet (default [checker.DefaultThresholds]).
	Thresholds checker.Thresholds
	// Verify bounds the wait for every surviving node to hold every acknowledged write
	// (default 60 s): a node that rejoins after a fault may still be catching up.
	Verify time.Duration
	// Log receives progress (default: discard).
	Log *slog.Logger
	// Identities is how many identities per region the identity workload creates and logs in
	// (default 3); negative: no identity workload.
	Identities int
	// CockroachImage, when set, runs the scenario on a three-region CockroachDB cluster from
	// this local image instead of Patroni; results go to OutDir/cockroach/<name>. CockroachDB
	// has no single writable node, so there is no split-brain poll.
	CockroachImage string
}

func (o *Options) defaults() {
	if o.OutDir == "" {
		o.OutDir = filepath.Join("bin", "chaos-results")
	}
	if o.Warmup == 0 {
		o.Warmup = 20 * time.Second
	}
	if o.After == 0 {
		o.After = 40 * time.Second
	}
	if o.MaxStaleness == 0 {
		o.MaxStaleness = 5 * time.Second
	}
	if o.Thresholds == (checker.Thresholds{}) {
		o.Thresholds = checker.DefaultThresholds
	}
	if o.Verify == 0 {
		o.Verify = time.Minute
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Identities == 0 {
		o.Identities = 3
	}
}

// Run runs scenario s on a cluster of its own, which it removes before it returns, whatever
// happens (also when ctx is canceled, as on SIGINT). It returns the judgement, written also to
// o.OutDir/<name>; an error means the scenario could not be carried out, not that it failed.
func Run(ctx context.Context, s Scenario, o Options) (res *checker.Result, err error) {
	o.defaults()
	log := o.Log.With("scenario", s.Name)
	dir := filepath.Join(o.OutDir, s.Name)
	if o.CockroachImage != "" {
		dir = filepath.Join(o.OutDir, "cockroach", s.Name)
		log = log.With("database", "cockroachdb")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	log.Info("starting the cluster")
	c, err := cluster.Start(ctx, cluster.Config{MaxStaleness: o.MaxStaleness, Log: log, CockroachImage: o.CockroachImage})
	if err != nil {
		return nil, err
	}
	defer func() {
		// The cleanup must run even when ctx is done: give it its own time.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if lerr := c.SaveLogs(cctx, filepath.Join(dir, "logs")); lerr != nil {
			log.Warn("saving the containers' logs", "error", lerr)
		}
		if cerr := c.Close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("removing the cluster: %w", cerr))
		}
		log.Info("cluster removed")
	}()
	if err := workload.WriteSchema(ctx, c.Regions[0].AdminURL(), c.APIKey); err != nil {
		return nil, err
	}
	client, err := workload.CreateOAuth2Client(ctx, c.Regions[0].AdminURL(), c.AdminKey)
	if err != nil {
		return nil, err
	}
	var targets []workload.Target
	for _, r := range c.Regions {
		targets = append(targets, workload.Target{Region: r.Name, PublicURL: r.PublicURL(), AdminURL: r.AdminURL()})
	}
	wopts := workload.Options{OAuth2: &client, APIKey: c.APIKey}
	if o.Identities > 0 {
		if wopts.Identities, err = workload.CreateIdentities(ctx, targets, c.AdminKey, cluster.IdentitySchemaID, o.Identities); err != nil {
			return nil, err
		}
	}
	if !c.Cockroach() {
		l, err := c.Leader(ctx, 30*time.Second)
		if err != nil {
			return nil, err
		}
		if err := createProbeTable(ctx, l.PGDSN()); err != nil {
			return nil, err
		}
	}

	rec := workload.NewRecorder()
	e := &env{c: c, since: rec.Since, deadPG: map[int]bool{}, deadRegion: map[int]bool{}}
	obs := &observer{c: c, rec: rec}
	wctx, stopWorkload := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { workload.Run(wctx, targets, rec, wopts) })
	octx, stopObserver := context.WithCancel(ctx)
	var owg sync.WaitGroup
	if !c.Cockroach() {
		owg.Go(func() { obs.run(octx) })
	}
	defer func() { stopWorkload(); wg.Wait(); stopObserver(); owg.Wait() }()

	log.Info("warming up", "for", o.Warmup)
	if err := sleep(ctx, o.Warmup); err != nil {
		return nil, err
	}
	log.Info("injecting the faults")
	injectErr := s.inject(ctx, e)
	if injectErr == nil {
		log.Info("faults done; the workload goes on", "for", o.After)
		injectErr = sleep(ctx, o.After)
	}
	stopWorkload()
	wg.Wait()
	for _, undo := range slices.Backward(e.restore) {
		// Undoing what is already undone (a healed link, a running node) is harmless.
		_ = undo(context.WithoutCancel(ctx))
	}
	if injectErr != nil {
		return nil, fmt.Errorf("scenario %s: %w", s.Name, injectErr)
	}
	log.Info("checking every acknowledged write through every surviving ward node")
	var alive []workload.Target
	for i, t := range targets {
		if !e.deadRegion[i] {
			alive = append(alive, t)
		}
	}
	workload.Sweep(ctx, alive, rec, 4, wopts)
	end := rec.Since()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	log.Info("verifying the acknowledged writes on every surviving database node")
	final := verify(ctx, c, e.deadPG, rec.Acked(), o.Verify)
	stopObserver()
	owg.Wait()
	h := &checker.History{
		Scenario: name(s, o), MaxStaleness: o.MaxStaleness, Duration: end,
		Ops: rec.Ops(), Samples: obs.result(), Faults: e.faults, Final: final,
	}
	for _, r := range c.Regions {
		h.Regions = append(h.Regions, r.Name)
	}
	res = checker.Check(h, o.Thresholds)
	return res, write(dir, h, res)
}

func name(s Scenario, o Options) string {
	if o.CockroachImage != "" {
		return "cockroachdb/" + s.Name
	}
	return s.Name
}

// verify reads the workload's tuples from every database node that was not killed, until each
// holds every acknowledged write or the time is up.
func verify(ctx context.Context, c *cluster.Cluster, dead map[int]bool, acked []string, limit time.Duration) []checker.NodeTuples {
	deadline := time.Now().Add(limit)
	var out []checker.NodeTuples
	for _, r := range c.Regions {
		if dead[r.Index] {
			continue
		}
		n := checker.NodeTuples{Node: "pg-" + r.Name}
		for {
			tuples, err := cluster.Tuples(ctx, r.PGDSN(), workload.Namespace)
			n.Tuples, n.Error = tuples, ""
			if err != nil {
				n.Error = err.Error()
			} else if holdsAll(tuples, acked) {
				break
			}
			if time.Now().After(deadline) || sleep(ctx, time.Second) != nil {
				break
			}
		}
		out = append(out, n)
	}
	return out
}

func holdsAll(have, want []string) bool {
	set := make(map[string]bool, len(have))
	for _, t := range have {
		set[t] = true
	}
	for _, t := range want {
		if !set[t] {
			return false
		}
	}
	return true
}

func write(dir string, h *checker.History, r *checker.Result) error {
	if err := checker.WriteHistory(filepath.Join(dir, "history.json"), h); err != nil {
		return err
	}
	if err := checker.WriteJSON(filepath.Join(dir, "result.json"), r); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "report.html"))
	if err != nil {
		return err
	}
	if err := checker.HTML(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
