package rpc

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/engine"
	permv1 "github.com/wardhq/ward/proto/ward/permission/v1"
	"github.com/wardhq/ward/proto/ward/permission/v1/permissionv1connect"
	"github.com/wardhq/ward/store"
)

// Permissions is what the permission service needs from the engine.
type Permissions interface {
	Check(ctx context.Context, c engine.Consistency, item engine.CheckItem) (bool, engine.Token, error)
	CheckBulk(ctx context.Context, c engine.Consistency, items []engine.CheckItem) ([]engine.BulkResult, engine.Token, error)
	Expand(ctx context.Context, c engine.Consistency, resource store.ObjectRef, permission string) (*engine.Tree, engine.Token, error)
	LookupResources(ctx context.Context, c engine.Consistency, resourceType, permission string, subject store.Subject, p engine.Page) (*engine.LookupResult, error)
	LookupSubjects(ctx context.Context, c engine.Consistency, resource store.ObjectRef, permission, subjectType, subjectRelation string, p engine.Page) (*engine.LookupResult, error)
}

// PermissionService serves ward.permission.v1.PermissionService.
type PermissionService struct {
	engine Permissions
	log    *slog.Logger
}

var _ permissionv1connect.PermissionServiceHandler = (*PermissionService)(nil)

// NewPermissionService returns the permission service over e.
func NewPermissionService(e Permissions, log *slog.Logger) *PermissionService {
	return &PermissionService{engine: e, log: log}
}

func decisionOf(allowed bool) permv1.Decision {
	if allowed {
		return permv1.Decision_DECISION_ALLOWED
	}
	return permv1.Decision_DECISION_DENIED
}

// Check implements PermissionService.Check.
func (s *PermissionService) Check(ctx context.Context, req *connect.Request[permv1.CheckRequest]) (*connect.Response[permv1.CheckResponse], error) {
	m := req.Msg
	item := engine.CheckItem{Resource: objectFrom(m.GetResource()), Permission: m.GetPermission(), Subject: subjectFrom(m.GetSubject())}
	allowed, tok, err := s.engine.Check(ctx, consistencyFrom(m.GetConsistency()), item)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&permv1.CheckResponse{Decision: decisionOf(allowed), CheckedAt: string(tok)}), nil
}

// CheckBulk implements PermissionService.CheckBulk.
func (s *PermissionService) CheckBulk(ctx context.Context, req *connect.Request[permv1.CheckBulkRequest]) (*connect.Response[permv1.CheckBulkResponse], error) {
	m := req.Msg
	items := make([]engine.CheckItem, len(m.GetItems()))
	for i, it := range m.GetItems() {
		items[i] = engine.CheckItem{Resource: objectFrom(it.GetResource()), Permission: it.GetPermission(), Subject: subjectFrom(it.GetSubject())}
	}
	results, tok, err := s.engine.CheckBulk(ctx, consistencyFrom(m.GetConsistency()), items)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	out := &permv1.CheckBulkResponse{Results: make([]*permv1.CheckBulkResponseItem, len(results)), CheckedAt: string(tok)}
	for i, r := range results {
		if r.Err != nil {
			out.Results[i] = &permv1.CheckBulkResponseItem{Error: s.itemError(ctx, r.Err)}
			continue
		}
		out.Results[i] = &permv1.CheckBulkResponseItem{Decision: decisionOf(r.Allowed)}
	}
	return connect.NewResponse(out), nil
}

func (s *PermissionService) itemError(ctx context.Context, err error) *permv1.ItemError {
	var ce *connect.Error
	errors.As(toConnect(ctx, s.log, err), &ce) // toConnect always returns a *connect.Error
	return &permv1.ItemError{Code: ce.Code().String(), Message: ce.Message()}
}

// Expand implements PermissionService.Expand.
func (s *PermissionService) Expand(ctx context.Context, req *connect.Request[permv1.ExpandRequest]) (*connect.Response[permv1.ExpandResponse], error) {
	m := req.Msg
	tree, tok, err := s.engine.Expand(ctx, consistencyFrom(m.GetConsistency()), objectFrom(m.GetResource()), m.GetPermission())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&permv1.ExpandResponse{Tree: treeTo(tree), ExpandedAt: string(tok)}), nil
}

var treeKinds = map[engine.TreeKind]permv1.UsersetTree_Kind{
	engine.Leaf:             permv1.UsersetTree_KIND_LEAF,
	engine.UnionNode:        permv1.UsersetTree_KIND_UNION,
	engine.IntersectionNode: permv1.UsersetTree_KIND_INTERSECTION,
	engine.ExclusionNode:    permv1.UsersetTree_KIND_EXCLUSION,
}

func treeTo(t *engine.Tree) *permv1.UsersetTree {
	out := &permv1.UsersetTree{Kind: treeKinds[t.Kind], Resource: objectTo(t.Resource), Relation: t.Relation}
	for _, s := range t.Subjects {
		out.Subjects = append(out.Subjects, subjectTo(s))
	}
	for _, c := range t.Children {
		out.Children = append(out.Children, treeTo(c))
	}
	return out
}

// LookupResources implements PermissionService.LookupResources.
func (s *PermissionService) LookupResources(ctx context.Context, req *connect.Request[permv1.LookupResourcesRequest]) (*connect.Response[permv1.LookupResourcesResponse], error) {
	m := req.Msg
	res, err := s.engine.LookupResources(ctx, consistencyFrom(m.GetConsistency()), m.GetResourceType(), m.GetPermission(),
		subjectFrom(m.GetSubject()), engine.Page{Size: int(m.GetPageSize()), Token: m.GetPageToken()})
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&permv1.LookupResourcesResponse{ResourceIds: res.IDs, NextPageToken: res.Next, LookedUpAt: string(res.Token)}), nil
}

// LookupSubjects implements PermissionService.LookupSubjects.
func (s *PermissionService) LookupSubjects(ctx context.Context, req *connect.Request[permv1.LookupSubjectsRequest]) (*connect.Response[permv1.LookupSubjectsResponse], error) {
	m := req.Msg
	res, err := s.engine.LookupSubjects(ctx, consistencyFrom(m.GetConsistency()), objectFrom(m.GetResource()), m.GetPermission(),
		m.GetSubjectType(), m.GetSubjectRelation(), engine.Page{Size: int(m.GetPageSize()), Token: m.GetPageToken()})
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&permv1.LookupSubjectsResponse{SubjectIds: res.IDs, ExcludedSubjectIds: res.Excluded,
		NextPageToken: res.Next, LookedUpAt: string(res.Token)}), nil
}
