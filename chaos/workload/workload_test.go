package workload_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/chaos/checker"
	"github.com/wardhq/ward/chaos/workload"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
)

// fakeWard acknowledges every write with a token and answers checks: allowed when the check
// carries a token, denied for minimize_latency; every fifth write fails.
type fakeWard struct {
	relationshipv1connect.UnimplementedRelationshipServiceHandler
	permissionv1connect.UnimplementedPermissionServiceHandler
	writes atomic.Int64
}

func (f *fakeWard) WriteRelationships(_ context.Context, r *connect.Request[relv1.WriteRelationshipsRequest]) (*connect.Response[relv1.WriteRelationshipsResponse], error) {
	n := f.writes.Add(1)
	if n%5 == 0 {
		return nil, connect.NewError(connect.CodeUnavailable, nil)
	}
	return connect.NewResponse(&relv1.WriteRelationshipsResponse{WrittenAt: "tok-" + r.Msg.GetUpdates()[0].GetRelationship().GetResource().GetId()}), nil
}

func (f *fakeWard) Check(_ context.Context, r *connect.Request[permv1.CheckRequest]) (*connect.Response[permv1.CheckResponse], error) {
	d := permv1.Decision_DECISION_DENIED
	if tok := r.Msg.GetConsistency().GetAtLeastAsFresh(); tok == "tok-"+r.Msg.GetResource().GetId() {
		d = permv1.Decision_DECISION_ALLOWED
	}
	return connect.NewResponse(&permv1.CheckResponse{Decision: d}), nil
}

// serveFake serves a fakeWard, and what extra adds to its mux, until the test ends; it returns
// the server's URL.
func serveFake(t *testing.T, extra func(*http.ServeMux)) string {
	t.Helper()
	f := &fakeWard{}
	mux := http.NewServeMux()
	mux.Handle(relationshipv1connect.NewRelationshipServiceHandler(f))
	mux.Handle(permissionv1connect.NewPermissionServiceHandler(f))
	if extra != nil {
		extra(mux)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// twoRegions is two targets served by one server.
func twoRegions(url string) []workload.Target {
	return []workload.Target{{Region: "a", PublicURL: url, AdminURL: url}, {Region: "b", PublicURL: url, AdminURL: url}}
}

func TestRunRecordsEveryOperation(t *testing.T) {
	url := serveFake(t, nil)

	rec := workload.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	workload.Run(ctx, []workload.Target{{Region: "a", PublicURL: url, AdminURL: url}}, rec,
		workload.Options{WritePause: 5 * time.Millisecond, CheckPause: 5 * time.Millisecond})

	var writes, failed, fresh, min int
	for _, op := range rec.Ops() {
		if op.Region != "a" || op.End < op.Start {
			t.Fatalf("bad op %+v", op)
		}
		switch op.Kind {
		case checker.Write:
			writes++
			if !op.OK {
				failed++
			} else if op.Token != "tok-"+strings.TrimPrefix(strings.Split(op.Tuple, "#")[0], "doc:") {
				t.Errorf("write %s recorded token %q", op.Tuple, op.Token)
			}
		case checker.CheckFresh:
			fresh++
			if !op.OK || !op.Allowed || op.Token == "" {
				t.Errorf("a fresh check of an acknowledged write: %+v", op)
			}
		case checker.CheckMin:
			min++
			if op.Allowed || op.Acked == 0 {
				t.Errorf("a minimize_latency check: %+v", op)
			}
		}
	}
	if writes < 5 || failed == 0 || fresh == 0 || min == 0 {
		t.Fatalf("writes %d (failed %d), fresh checks %d, minimize_latency checks %d", writes, failed, fresh, min)
	}
	if got := len(rec.Acked()); got != writes-failed {
		t.Errorf("acked = %d, want %d", got, writes-failed)
	}
}

func TestSweepChecksEveryAcknowledgedWrite(t *testing.T) {
	targets := twoRegions(serveFake(t, nil))

	rec := workload.NewRecorder()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	workload.Run(ctx, targets, rec, workload.Options{WritePause: 5 * time.Millisecond, CheckPause: 50 * time.Millisecond})
	cancel()
	before := len(rec.Ops())
	acked := rec.Acked()
	workload.Sweep(context.Background(), targets, rec, 3, workload.Options{})
	swept := map[string]int{}
	for _, op := range rec.Ops()[before:] {
		if op.Kind != checker.CheckFresh || !op.OK || !op.Allowed {
			t.Errorf("sweep op %+v", op)
		}
		swept[op.Region+" "+op.Tuple]++
	}
	for _, tuple := range acked {
		for _, r := range []string{"a", "b"} {
			if swept[r+" "+tuple] != 1 {
				t.Errorf("%s checked %d times in %s, want once", tuple, swept[r+" "+tuple], r)
			}
		}
	}
	if len(acked) == 0 {
		t.Fatal("no write was acknowledged")
	}
}
