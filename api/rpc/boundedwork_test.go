package rpc_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"iter"
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
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

const boundedSchema = `
definition user {}
definition group { relation member: user | group#member }
definition doc {
  relation viewer: user | user:* | group#member
  permission view = viewer
}
`

// boundedClients serves the admin handler over an engine made with opts on loopback, loads
// boundedSchema and tuples, and returns clients of the permission and relationship services.
func boundedClients(t *testing.T, st store.Store, tuples []string, opts ...engine.Option) (permissionv1connect.PermissionServiceClient, relationshipv1connect.RelationshipServiceClient, *engine.Engine) {
	t.Helper()
	eng, err := engine.New(st, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := eng.WriteSchema(ctx, boundedSchema); err != nil {
		t.Fatal(err)
	}
	var updates []store.Update
	for _, l := range tuples {
		tu, err := store.ParseTuple(l)
		if err != nil {
			t.Fatal(err)
		}
		updates = append(updates, store.Update{Op: store.Touch, Tuple: tu})
	}
	if len(updates) > 0 {
		if _, _, err := eng.WriteTuples(ctx, updates, nil); err != nil {
			t.Fatal(err)
		}
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	url := "http://" + l.Addr().String()
	return permissionv1connect.NewPermissionServiceClient(http.DefaultClient, url),
		relationshipv1connect.NewRelationshipServiceClient(http.DefaultClient, url), eng
}

func docs(n int, subject string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("doc:d%05d#viewer@%s", i, subject)
	}
	return out
}

func wantCode(t *testing.T, err error, code connect.Code, msg string) {
	t.Helper()
	if connect.CodeOf(err) != code || !strings.Contains(err.Error(), msg) {
		t.Fatalf("error %v: want %v containing %q", err, code, msg)
	}
}

var fully = &relv1.Consistency{Requirement: &relv1.Consistency_FullyConsistent{FullyConsistent: true}}

func lookupReq(subject, token string) *connect.Request[permv1.LookupResourcesRequest] {
	return connect.NewRequest(&permv1.LookupResourcesRequest{Consistency: fully, ResourceType: "doc", Permission: "view",
		Subject: &relv1.SubjectReference{Type: "user", Id: subject}, PageSize: 2, PageToken: token})
}

// TestPageTokensForgedOrForAnotherRequest: a page token continues only the request that made it,
// on a server holding the key that signed it.
func TestPageTokensForgedOrForAnotherRequest(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	tuples := append(docs(5, "user:alice"), docs(5, "user:bob")...)
	perms, rels, _ := boundedClients(t, st, tuples)
	first, err := perms.LookupResources(ctx, lookupReq("alice", ""))
	if err != nil {
		t.Fatal(err)
	}
	tok := first.Msg.GetNextPageToken()
	if tok == "" {
		t.Fatal("no next page token")
	}
	// The same request continues.
	second, err := perms.LookupResources(ctx, lookupReq("alice", tok))
	if err != nil || len(second.Msg.GetResourceIds()) != 2 || second.Msg.GetResourceIds()[0] != "d00002" {
		t.Fatalf("second page: %v, %v", second, err)
	}
	// Another subject, another method, another filter: refused.
	_, err = perms.LookupResources(ctx, lookupReq("bob", tok))
	wantCode(t, err, connect.CodeInvalidArgument, "the page token was not made for this request")
	_, err = perms.LookupSubjects(ctx, connect.NewRequest(&permv1.LookupSubjectsRequest{Consistency: fully, Resource: &relv1.ObjectReference{Type: "doc", Id: "d00001"},
		Permission: "view", SubjectType: "user", PageToken: tok}))
	wantCode(t, err, connect.CodeInvalidArgument, "the page token was not made for this request")
	read, err := rels.ReadRelationships(ctx, connect.NewRequest(&relv1.ReadRelationshipsRequest{Consistency: fully,
		Filter: &relv1.RelationshipFilter{ResourceType: "doc", SubjectFilter: &relv1.SubjectFilter{Type: "user", Id: "alice"}}, PageSize: 2}))
	if err != nil || read.Msg.GetNextPageToken() == "" {
		t.Fatalf("read: %v, %v", read, err)
	}
	_, err = rels.ReadRelationships(ctx, connect.NewRequest(&relv1.ReadRelationshipsRequest{Consistency: fully,
		Filter: &relv1.RelationshipFilter{ResourceType: "doc", SubjectFilter: &relv1.SubjectFilter{Type: "user", Id: "bob"}}, PageSize: 2,
		PageToken: read.Msg.GetNextPageToken()}))
	wantCode(t, err, connect.CodeInvalidArgument, "the page token was not made for this request")
	_, err = perms.LookupResources(ctx, lookupReq("alice", read.Msg.GetNextPageToken()))
	wantCode(t, err, connect.CodeInvalidArgument, "the page token was not made for this request")

	// A flipped bit, garbage, and a token signed by another server's key: not page tokens.
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	raw[len(raw)/2] ^= 1
	for name, bad := range map[string]string{
		"tampered": base64.RawURLEncoding.EncodeToString(raw),
		"garbage":  "not-a-token",
		"other key": func() string {
			other, _, _ := boundedClients(t, memory.New(), tuples)
			r, err := other.LookupResources(ctx, lookupReq("alice", ""))
			if err != nil {
				t.Fatal(err)
			}
			return r.Msg.GetNextPageToken()
		}(),
	} {
		_, err := perms.LookupResources(ctx, lookupReq("alice", bad))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "is not a valid page token") {
			t.Errorf("%s token: %v", name, err)
		}
	}
}

// oldStyleToken is a page token as ward made them before they were signed: version 1, the
// revision, the last key, and a CRC-32C — which anyone could compute.
func oldStyleToken(rev uint64, after string) string {
	b := []byte{1}
	b = binary.AppendUvarint(b, rev)
	b = binary.AppendUvarint(b, 0)
	b = append(b, after...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestPageTokenCannotReadBeforeARevocation is the review's scenario: a hand-made token naming the
// snapshot before a revocation no longer reads that snapshot under fully_consistent.
func TestPageTokenCannotReadBeforeARevocation(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	perms, rels, _ := boundedClients(t, st, docs(3, "user:alice"))
	revoke, err := rels.WriteRelationships(ctx, connect.NewRequest(&relv1.WriteRelationshipsRequest{Updates: []*relv1.RelationshipUpdate{{
		Operation: relv1.RelationshipUpdate_OPERATION_DELETE,
		Relationship: &relv1.Relationship{Resource: &relv1.ObjectReference{Type: "doc", Id: "d00001"}, Relation: "viewer",
			Subject: &relv1.SubjectReference{Type: "user", Id: "alice"}}}}}))
	if err != nil {
		t.Fatal(err)
	}
	rev, err := engine.ParseToken(engine.Token(revoke.Msg.GetWrittenAt()))
	if err != nil {
		t.Fatal(err)
	}
	for before := rev.Major - 1; before > 0; before-- {
		_, err := perms.LookupResources(ctx, lookupReq("alice", oldStyleToken(before, "d00000")))
		wantCode(t, err, connect.CodeInvalidArgument, "is not a valid page token")
	}
	// What fully_consistent reads instead: the revocation holds.
	res, err := perms.LookupResources(ctx, connect.NewRequest(&permv1.LookupResourcesRequest{Consistency: fully, ResourceType: "doc",
		Permission: "view", Subject: &relv1.SubjectReference{Type: "user", Id: "alice"}}))
	if err != nil || strings.Join(res.Msg.GetResourceIds(), ",") != "d00000,d00002" {
		t.Fatalf("lookup after revocation: %v, %v", res, err)
	}
}

// TestLookupCostBudget: lookups and Expand that pass max_lookup_cost stop with resource_exhausted
// and a message naming the budget and its key.
func TestLookupCostBudget(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	tuples := append(docs(300, "user:*"), docs(300, "user:carol")...)
	perms, _, _ := boundedClients(t, st, tuples, engine.WithMaxLookupCost(200))
	_, err := perms.LookupResources(ctx, lookupReq("alice", ""))
	wantCode(t, err, connect.CodeResourceExhausted, "LookupResources exceeded its cost budget of 200")
	wantCode(t, err, connect.CodeResourceExhausted, "max_lookup_cost")

	var members []string
	for i := range 300 {
		members = append(members, fmt.Sprintf("group:g#member@user:u%d", i))
	}
	perms, _, _ = boundedClients(t, memory.New(), append(members, "doc:big#viewer@group:g#member"), engine.WithMaxLookupCost(200))
	_, err = perms.Expand(ctx, connect.NewRequest(&permv1.ExpandRequest{Consistency: fully, Resource: &relv1.ObjectReference{Type: "doc", Id: "big"}, Permission: "view"}))
	wantCode(t, err, connect.CodeResourceExhausted, "Expand exceeded its cost budget of 200")
	_, err = perms.LookupSubjects(ctx, connect.NewRequest(&permv1.LookupSubjectsRequest{Consistency: fully, Resource: &relv1.ObjectReference{Type: "doc", Id: "big"},
		Permission: "view", SubjectType: "user"}))
	wantCode(t, err, connect.CodeResourceExhausted, "LookupSubjects exceeded its cost budget of 200")
	// Small requests stay well inside it.
	if _, err := perms.Expand(ctx, connect.NewRequest(&permv1.ExpandRequest{Consistency: fully, Resource: &relv1.ObjectReference{Type: "doc", Id: "small"}, Permission: "view"})); err != nil {
		t.Fatal(err)
	}
}

// gatedStore holds every tuple query until gate is closed, so that a test can keep a lookup in
// flight.
type gatedStore struct {
	store.Store
	gate    chan struct{}
	entered chan struct{}
}

func (g *gatedStore) Snapshot(rev store.Revision) store.Reader {
	return gatedReader{g.Store.Snapshot(rev), g}
}

type gatedReader struct {
	store.Reader
	g *gatedStore
}

func (r gatedReader) QueryTuples(ctx context.Context, f store.TupleFilter, opts store.QueryOptions) iter.Seq2[store.Tuple, error] {
	select {
	case r.g.entered <- struct{}{}:
	default:
	}
	<-r.g.gate
	return r.Reader.QueryTuples(ctx, f, opts)
}

// TestConcurrentLookupsCap: with max_concurrent_lookups calls in flight, one more waits, then is
// refused with resource_exhausted; once a slot frees, calls pass again.
func TestConcurrentLookupsCap(t *testing.T) {
	ctx := context.Background()
	mem := memory.New()
	t.Cleanup(func() { mem.Close() })
	g := &gatedStore{Store: mem, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	close(g.gate) // open while loading
	perms, _, _ := boundedClients(t, g, docs(3, "user:alice"), engine.WithMaxConcurrentLookups(1, 100*time.Millisecond))
	g.gate = make(chan struct{})
	g.entered = make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() {
		_, err := perms.LookupResources(ctx, lookupReq("alice", ""))
		done <- err
	}()
	<-g.entered
	start := time.Now()
	_, err := perms.CheckBulk(ctx, connect.NewRequest(&permv1.CheckBulkRequest{Consistency: fully, Items: []*permv1.CheckBulkRequestItem{{
		Resource: &relv1.ObjectReference{Type: "doc", Id: "d00000"}, Permission: "view", Subject: &relv1.SubjectReference{Type: "user", Id: "alice"}}}}))
	wantCode(t, err, connect.CodeResourceExhausted, "too many lookups at once")
	wantCode(t, err, connect.CodeResourceExhausted, "max_concurrent_lookups")
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("refused after %s, before the wait of 100ms", waited)
	}
	_, err = perms.Expand(ctx, connect.NewRequest(&permv1.ExpandRequest{Consistency: fully, Resource: &relv1.ObjectReference{Type: "doc", Id: "d00000"}, Permission: "view"}))
	wantCode(t, err, connect.CodeResourceExhausted, "too many lookups at once")
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := perms.LookupResources(ctx, lookupReq("alice", "")); err != nil {
		t.Fatalf("after the slot freed: %v", err)
	}
}

// TestLookupDeadline: a lookup whose deadline passes stops with deadline_exceeded.
func TestLookupDeadline(t *testing.T) {
	st := memory.New()
	t.Cleanup(func() { st.Close() })
	_, _, eng := boundedClients(t, st, docs(10, "user:alice"))
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := eng.LookupResources(ctx, engine.Consistency{Mode: engine.FullyConsistent}, "doc", "view", store.Subject{Type: "user", ID: "alice"}, engine.Page{})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "LookupResources ran past the request's deadline") {
		t.Fatalf("err = %v", err)
	}
}
