package scenario_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/chaos/cluster"
	"github.com/wardhq/ward/chaos/scenario"
)

func TestLookup(t *testing.T) {
	want := []string{"leader-kill", "replica-kill", "region-kill", "region-partition", "leader-stall", "rolling-restart"}
	names := scenario.Names()
	for _, n := range want {
		s, err := scenario.Lookup(n)
		if err != nil || s.Name != n || s.Description == "" {
			t.Errorf("Lookup(%q) = %+v, %v", n, s, err)
		}
	}
	if len(names) < len(want) {
		t.Errorf("Names() = %v, want at least %v", names, want)
	}
	_, err := scenario.Lookup("leader-kil")
	if err == nil || !strings.Contains(err.Error(), "leader-kill") {
		t.Errorf("Lookup of an unknown name: %v, want an error listing the scenarios", err)
	}
}

// TestInterruptedRunCleansUp cancels a scenario midway — what SIGINT does to `ward chaos run`,
// whose context it cancels — and checks that nothing it started is left. Needs Docker and the
// chaos images; run with WARD_CHAOS=1 (about a minute).
func TestInterruptedRunCleansUp(t *testing.T) {
	if os.Getenv("WARD_CHAOS") != "1" {
		t.Skip("set WARD_CHAOS=1 to start the chaos cluster (needs Docker and " + cluster.BuildCommand + ")")
	}
	s, err := scenario.Lookup("leader-stall")
	if err != nil {
		t.Fatal(err)
	}
	// Long enough for the cluster to start and the leader to be paused, not for the stall to end.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if n, _ := cluster.Leftovers(context.Background()); n >= 10 {
				break
			}
			time.Sleep(time.Second)
		}
		time.Sleep(30 * time.Second) // cluster up, 20 s warm-up, then into the stall
		cancel()
	}()
	_, err = scenario.Run(ctx, s, scenario.Options{OutDir: t.TempDir()})
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel = %v, want context.Canceled", err)
	}
	n, err := cluster.Leftovers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d containers and networks left after an interrupted run", n)
	}
}
