package rpc_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/engine"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// TestTracing follows one Check through its spans: the RPC's span continues the caller's trace
// (traceparent), and each sub-problem the engine evaluates is a span inside it.
func TestTracing(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tracer := tp.Tracer("test")
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(st, engine.WithTracer(tracer), engine.WithMaxStaleness(0))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := eng.WriteSchema(ctx, "definition user {}\ndefinition group { relation member: user | group#member }\n"+
		"definition doc { relation viewer: user | group#member\n permission view = viewer }\n"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := eng.WriteTuples(ctx, []store.Update{
		{Op: store.Touch, Tuple: mustTuple(t, "doc:d#viewer@group:g#member")},
		{Op: store.Touch, Tuple: mustTuple(t, "group:g#member@user:u")},
	}, nil); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	obs, err := middleware.NewObservers(prometheus.NewRegistry(), log, "public")
	if err != nil {
		t.Fatal(err)
	}
	h := api.NewPublicHandler(api.Services{Permissions: rpc.NewPermissionService(eng, log)}, obs["public"].WithTracer(tracer))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	client := permissionv1connect.NewPermissionServiceClient(http.DefaultClient, "http://"+l.Addr().String())
	req := connect.NewRequest(&permv1.CheckRequest{
		Resource: &relv1.ObjectReference{Type: "doc", Id: "d"}, Permission: "view",
		Subject: &relv1.SubjectReference{Type: "user", Id: "u"},
	})
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header().Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	res, err := client.Check(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Msg.GetDecision() != permv1.Decision_DECISION_ALLOWED {
		t.Fatalf("decision %v", res.Msg.GetDecision())
	}
	spans := exp.GetSpans()
	var rpc, checks int
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
		if s.SpanContext.TraceID().String() != traceID {
			t.Errorf("span %q is in trace %s, not the caller's %s", s.Name, s.SpanContext.TraceID(), traceID)
		}
		switch {
		case s.Name == permissionv1connect.PermissionServiceCheckProcedure:
			rpc++
		case strings.HasPrefix(s.Name, "ward.check "):
			checks++
		}
	}
	if rpc != 1 || checks < 2 {
		t.Errorf("spans %v: want one RPC span and a span per evaluated sub-problem (view, viewer, …)", names)
	}
}
