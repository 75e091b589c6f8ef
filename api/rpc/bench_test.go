package rpc_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/engine"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	pingv1 "github.com/wardhq/ward/proto/ward/ping/v1"
	"github.com/wardhq/ward/proto/ward/ping/v1/pingv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// startPublic serves the public handler of an engine holding 100 documents viewable through a
// group on a loopback listener, and returns its URL.
func startPublic(tb testing.TB) string {
	tb.Helper()
	return startPublicAuth(tb, nil)
}

// startPublicAuth is startPublic with auth (nil: open) guarding the permission service.
func startPublicAuth(tb testing.TB, auth *middleware.Authenticator) string {
	tb.Helper()
	st := memory.New()
	tb.Cleanup(func() { st.Close() })
	eng, err := engine.New(st, engine.WithMaxStaleness(0))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	if _, err := eng.WriteSchema(ctx, `
definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  permission view = viewer
}`); err != nil {
		tb.Fatal(err)
	}
	updates := []store.Update{{Op: store.Touch, Tuple: mustTuple(tb, "group:g#member@user:u")}}
	for i := range 100 {
		updates = append(updates, store.Update{Op: store.Touch, Tuple: mustTuple(tb, fmt.Sprintf("document:d%d#viewer@group:g#member", i))})
	}
	if _, _, err := eng.WriteTuples(ctx, updates, nil); err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		tb.Fatal(err)
	}
	h := api.NewPublicHandler(api.Services{Permissions: rpc.NewPermissionService(eng, log), PublicAuth: auth}, obs["public"])
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	tb.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func mustTuple(tb testing.TB, s string) store.Tuple {
	tb.Helper()
	t, err := store.ParseTuple(s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func checkRequest(i int) *permv1.CheckRequest {
	return &permv1.CheckRequest{
		Resource:   &relv1.ObjectReference{Type: "document", Id: fmt.Sprintf("d%d", i%100)},
		Permission: "view",
		Subject:    &relv1.SubjectReference{Type: "user", Id: "u"},
	}
}

// BenchmarkRPC compares, in one run, a no-op RPC with a warm Check and a CheckBulk of 100 warm
// items, over the Connect protocol on loopback with 32 concurrent callers. items/s is the figure
// to compare: the targets are Check ≥ 50% of noop, and CheckBulk items ≥ 20× Check's.
func BenchmarkRPC(b *testing.B) {
	url := startPublic(b)
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ping := pingv1connect.NewPingServiceClient(httpClient, url)
	perms := permissionv1connect.NewPermissionServiceClient(httpClient, url)
	ctx := context.Background()
	bulk := &permv1.CheckBulkRequest{}
	for i := range 100 {
		r := checkRequest(i)
		bulk.Items = append(bulk.Items, &permv1.CheckBulkRequestItem{Resource: r.Resource, Permission: r.Permission, Subject: r.Subject})
	}
	for _, bc := range []struct {
		name  string
		items int
		call  func(i int) error
	}{
		{"noop", 1, func(int) error {
			_, err := ping.Ping(ctx, connect.NewRequest(&pingv1.PingRequest{}))
			return err
		}},
		{"check", 1, func(i int) error {
			res, err := perms.Check(ctx, connect.NewRequest(checkRequest(i)))
			if err == nil && res.Msg.GetDecision() != permv1.Decision_DECISION_ALLOWED {
				err = fmt.Errorf("check %d: %v", i, res.Msg.GetDecision())
			}
			return err
		}},
		{"checkbulk100", 100, func(int) error {
			res, err := perms.CheckBulk(ctx, connect.NewRequest(bulk))
			if err == nil && len(res.Msg.GetResults()) != 100 {
				err = fmt.Errorf("%d results", len(res.Msg.GetResults()))
			}
			return err
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetParallelism(16) // 16 × GOMAXPROCS callers
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if err := bc.call(i); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*bc.items)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
