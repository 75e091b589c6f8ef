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

	"github.com/wardhq/ward/api"
	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/api/rpc"
	"github.com/wardhq/ward/engine"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
	"github.com/wardhq/ward/store/memory"
)

// startAdmin serves the admin handler over h2c and HTTP/1.1 on loopback.
func startAdmin(t *testing.T) string {
	t.Helper()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	eng, err := engine.New(st)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := prometheus.NewRegistry()
	obs, err := middleware.NewObservers(reg, log, "admin")
	if err != nil {
		t.Fatal(err)
	}
	services := api.Services{
		Permissions:   rpc.NewPermissionService(eng, log),
		Relationships: rpc.NewRelationshipService(eng, log),
		Schemas:       rpc.NewSchemaService(eng, log),
	}
	srv := &http.Server{Handler: api.NewAdminHandler(services, obs["admin"], reg, st.Ping, log), ReadHeaderTimeout: 5 * time.Second}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// h2c is an HTTP/2 client without TLS, as gRPC clients use on loopback.
func h2c() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr}
}

func TestGRPCAndWatch(t *testing.T) {
	url := startAdmin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	grpc := connect.WithGRPC()
	schemas := schemav1connect.NewSchemaServiceClient(h2c(), url, grpc)
	rels := relationshipv1connect.NewRelationshipServiceClient(h2c(), url, grpc)
	perms := permissionv1connect.NewPermissionServiceClient(h2c(), url, grpc)

	if _, err := schemas.WriteSchema(ctx, connect.NewRequest(&schemav1.WriteSchemaRequest{
		Schema: "definition user {}\ndefinition doc { relation viewer: user }\n",
	})); err != nil {
		t.Fatal(err)
	}
	stream, err := rels.Watch(ctx, connect.NewRequest(&relv1.WatchRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	tuple := &relv1.Relationship{
		Resource: &relv1.ObjectReference{Type: "doc", Id: "d"}, Relation: "viewer",
		Subject: &relv1.SubjectReference{Type: "user", Id: "u"},
	}
	w, err := rels.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{
		Updates: []*relv1.RelationshipUpdate{{Operation: relv1.RelationshipUpdate_OPERATION_CREATE, Relationship: tuple}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	if !stream.Receive() {
		t.Fatalf("watch ended: %v", stream.Err())
	}
	got := stream.Msg()
	if got.GetChangesThrough() != w.Msg.GetWrittenAt() || len(got.GetChanges()) != 1 ||
		got.GetChanges()[0].GetOperation() != relv1.RelationshipChange_OPERATION_CREATED ||
		got.GetChanges()[0].GetRelationship().GetSubject().GetId() != "u" {
		t.Errorf("watch got %v, want the write at %s", got, w.Msg.GetWrittenAt())
	}

	// CheckBulk over gRPC: a bad item carries its own error; the others are answered.
	res, err := perms.CheckBulk(ctx, connect.NewRequest(&permv1.CheckBulkRequest{
		Consistency: &relv1.Consistency{Requirement: &relv1.Consistency_AtLeastAsFresh{AtLeastAsFresh: w.Msg.GetWrittenAt()}},
		Items: []*permv1.CheckBulkRequestItem{
			{Resource: tuple.Resource, Permission: "viewer", Subject: tuple.Subject},
			{Resource: tuple.Resource, Permission: "owner", Subject: tuple.Subject},
			{Resource: tuple.Resource, Permission: "viewer", Subject: &relv1.SubjectReference{Type: "user", Id: "other"}},
		},
	}))
	if err != nil {
		t.Fatal(err)
	}
	r := res.Msg.GetResults()
	if len(r) != 3 || r[0].GetDecision() != permv1.Decision_DECISION_ALLOWED ||
		r[1].GetError().GetCode() != "invalid_argument" || !strings.Contains(r[1].GetError().GetMessage(), "items[1].permission") ||
		r[2].GetDecision() != permv1.Decision_DECISION_DENIED {
		t.Errorf("CheckBulk results = %v", r)
	}

	// A bad write maps to InvalidArgument naming the field, over gRPC too.
	tuple.Subject.Type = "doc"
	_, err = rels.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{
		Updates: []*relv1.RelationshipUpdate{{Operation: relv1.RelationshipUpdate_OPERATION_TOUCH, Relationship: tuple}},
	}))
	if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "updates[0].relationship.subject") {
		t.Errorf("bad write: %v, want invalid_argument naming updates[0].relationship.subject", err)
	}
}
