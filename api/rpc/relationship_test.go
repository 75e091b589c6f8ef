package rpc_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

func rel(resType, resID, relation, subType, subID, subRel string) *relv1.Relationship {
	return &relv1.Relationship{
		Resource: &relv1.ObjectReference{Type: resType, Id: resID}, Relation: relation,
		Subject: &relv1.SubjectReference{Type: subType, Id: subID, Relation: subRel},
	}
}

func relText(r *relv1.Relationship) string {
	s := r.GetResource().GetType() + ":" + r.GetResource().GetId() + "#" + r.GetRelation() + "@" +
		r.GetSubject().GetType() + ":" + r.GetSubject().GetId()
	if sr := r.GetSubject().GetRelation(); sr != "" {
		s += "#" + sr
	}
	return s
}

// TestDeletesValidatedAndCounted sends mistyped deletes, by relationship and by filter, over
// loopback and checks that each is refused with invalid_argument naming what the schema does not
// know, with the stored relationships unchanged; then that valid deletes report how many
// relationships they removed.
func TestDeletesValidatedAndCounted(t *testing.T) {
	url := startAdmin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	schemas := schemav1connect.NewSchemaServiceClient(http.DefaultClient, url)
	rels := relationshipv1connect.NewRelationshipServiceClient(h2c(), url, connect.WithGRPC())
	if _, err := schemas.WriteSchema(ctx, connect.NewRequest(&schemav1.WriteSchemaRequest{Schema: `definition user {}
definition group { relation member: user | group#member }
definition document {
  relation viewer: user | group#member
  permission view = viewer
}`})); err != nil {
		t.Fatal(err)
	}
	stored := []*relv1.Relationship{
		rel("document", "readme", "viewer", "user", "alice", ""),
		rel("document", "readme", "viewer", "group", "eng", "member"),
		rel("document", "roadmap", "viewer", "user", "alice", ""),
	}
	write := func(op relv1.RelationshipUpdate_Operation, rs ...*relv1.Relationship) (*relv1.WriteRelationshipsResponse, error) {
		req := &relv1.WriteRelationshipsRequest{}
		for _, r := range rs {
			req.Updates = append(req.Updates, &relv1.RelationshipUpdate{Operation: op, Relationship: r})
		}
		res, err := rels.WriteRelationships(ctx, connect.NewRequest(req))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	if _, err := write(relv1.RelationshipUpdate_OPERATION_CREATE, stored...); err != nil {
		t.Fatal(err)
	}
	all := func() string {
		t.Helper()
		res, err := rels.ReadRelationships(ctx, connect.NewRequest(&relv1.ReadRelationshipsRequest{
			Consistency: &relv1.Consistency{Requirement: &relv1.Consistency_FullyConsistent{FullyConsistent: true}},
			Filter:      &relv1.RelationshipFilter{ResourceType: "document"},
		}))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, r := range res.Msg.GetRelationships() {
			b.WriteString(relText(r) + "\n")
		}
		return b.String()
	}
	before := all()

	unchanged := func(what string) {
		t.Helper()
		if after := all(); after != before {
			t.Fatalf("a refused delete (%s) changed the stored relationships:\nbefore:\n%safter:\n%s", what, before, after)
		}
	}
	for _, tc := range []struct {
		name string
		r    *relv1.Relationship
		want string
	}{
		{"resource type", rel("documnet", "readme", "viewer", "user", "alice", ""), `updates[1].relationship.resource.type: the schema has no type "documnet"`},
		{"relation", rel("document", "readme", "viewr", "user", "alice", ""), `updates[1].relationship.relation: type "document" has no relation "viewr"`},
		{"subject type", rel("document", "readme", "viewer", "usr", "alice", ""), `updates[1].relationship.subject.type: the schema has no type "usr"`},
		{"subject set without its relation", rel("document", "readme", "viewer", "group", "eng", ""), "updates[1].relationship.subject: relation document#viewer does not allow subject group:eng"},
	} {
		// A valid delete of a stored relationship first: it must not be applied either.
		_, err := write(relv1.RelationshipUpdate_OPERATION_DELETE, stored[0], tc.r)
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("delete with a mistyped %s: %v; want invalid_argument: %s", tc.name, err, tc.want)
		}
		unchanged(tc.name)
	}
	membr := "membr"
	for _, tc := range []struct {
		name string
		f    *relv1.RelationshipFilter
		want string
	}{
		{"subject relation", &relv1.RelationshipFilter{ResourceType: "document", SubjectFilter: &relv1.SubjectFilter{Type: "group", Relation: &membr}},
			`filter.subject_filter.relation: type "group" has no relation or permission "membr"`},
		{"permission", &relv1.RelationshipFilter{ResourceType: "document", Relation: "view"}, "filter.relation: document#view is a permission"},
		{"resource type", &relv1.RelationshipFilter{ResourceType: "documnet"}, `filter.resource_type: the schema has no type "documnet"`},
	} {
		_, err := rels.DeleteRelationships(ctx, connect.NewRequest(&relv1.DeleteRelationshipsRequest{Filter: tc.f}))
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("delete by a filter with a mistyped %s: %v; want invalid_argument: %s", tc.name, err, tc.want)
		}
		unchanged("filter " + tc.name)
	}

	res, err := write(relv1.RelationshipUpdate_OPERATION_DELETE, stored[0], rel("document", "readme", "viewer", "user", "nobody", ""))
	if err != nil || res.GetDeletedCount() != 1 {
		t.Errorf("deleting one stored and one missing relationship: %v, %v; want deleted_count 1", res, err)
	}
	del, err := rels.DeleteRelationships(ctx, connect.NewRequest(&relv1.DeleteRelationshipsRequest{Filter: &relv1.RelationshipFilter{
		ResourceType: "document", SubjectFilter: &relv1.SubjectFilter{Type: "user", Id: "alice"},
	}}))
	if err != nil || del.Msg.GetDeletedCount() != 1 {
		t.Errorf("deleting by filter what is left of alice's: %v, %v; want deleted_count 1", del, err)
	}
	if got := all(); got != "document:readme#viewer@group:eng#member\n" {
		t.Errorf("after the deletes, stored:\n%s", got)
	}
}
