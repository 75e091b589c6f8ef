package engine

import (
	"context"
	"hash/maphash"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// dispatcher answers one sub-problem of a check. The evaluator sends every sub-problem back
// through the dispatcher chain, so caching and sharing apply at every level.
type dispatcher interface {
	check(ctx context.Context, req *checkRequest) (checkResult, error)
}

// checkRequest asks: does subject hold relation on resource, at snap?
type checkRequest struct {
	snap     *snapshot
	resource store.ObjectRef
	relation string
	subject  store.Subject
	path     *pathNode // this sub-problem and its ancestors; path.depth is its depth
	maxDepth int
	root     pathNode // the path's storage at the root, saving an allocation per check
}

// pathNode is one sub-problem on the way from the root of a check.
type pathNode struct {
	parent   *pathNode
	resource store.ObjectRef
	relation string
	depth    int32
	// hash identifies the path from the root to this node. The evaluator sets it before it
	// dispatches any child, and children only read their parent's; sub-problems answered from the
	// cache never need it.
	hash uint64
}

func (p *pathNode) child(resource store.ObjectRef, relation string) *pathNode {
	n := &pathNode{parent: p, resource: resource, relation: relation}
	if p != nil {
		n.depth = p.depth + 1
	}
	return n
}

// pathStep is what one node adds to its path's hash.
type pathStep struct {
	parent   uint64
	resource store.ObjectRef
	relation string
}

var pathSeed = maphash.MakeSeed()

func (p *pathNode) setHash() {
	var parent uint64
	if p.parent != nil {
		parent = p.parent.hash
	}
	p.hash = maphash.Comparable(pathSeed, pathStep{parent, p.resource, p.relation})
}

// onPath returns the depth of resource#relation on the path, or -1.
func (p *pathNode) onPath(resource store.ObjectRef, relation string) int32 {
	for n := p; n != nil; n = n.parent {
		if n.relation == relation && n.resource == resource {
			return n.depth
		}
	}
	return -1
}

// evaluator computes a sub-problem from the tuples of its snapshot, dispatching its own
// sub-problems.
type evaluator struct {
	dispatch    dispatcher
	reduce      *reducer
	memberships *memberships
	metrics     *metrics
	tracer      trace.Tracer // nil: no spans
}

func (ev *evaluator) check(ctx context.Context, req *checkRequest) (r checkResult, err error) {
	ev.metrics.dispatches.Inc()
	req.path.setHash()
	if ev.tracer != nil {
		var span trace.Span
		ctx, span = ev.tracer.Start(ctx, "ward.check "+req.resource.Type+"#"+req.relation, trace.WithAttributes(
			attribute.String("ward.resource", req.resource.String()),
			attribute.String("ward.relation", req.relation),
			attribute.String("ward.subject", req.subject.String()),
			attribute.Int("ward.depth", int(req.path.depth)),
		))
		defer func() {
			span.SetAttributes(attribute.Bool("ward.member", r.member))
			if err != nil {
				span.SetStatus(codes.Error, err.Error())
			}
			span.End()
		}()
	}
	def := req.snap.schema.Definitions[req.resource.Type]
	if def == nil {
		// A target of an arrow or a subject set whose type the schema no longer has.
		return exactFalse, nil
	}
	if rel, ok := def.Relations[req.relation]; ok {
		if selfNesting(def.Name, rel) {
			r, err = ev.checkMembership(ctx, req)
		} else {
			r, err = ev.checkRelation(ctx, req, rel)
		}
	} else if perm, ok := def.Permissions[req.relation]; ok {
		r, err = ev.checkExpr(ctx, req, perm.Expr)
	} else {
		return exactFalse, nil
	}
	if err != nil {
		return checkResult{}, err
	}
	// A result that assumed nothing about its ancestors is the final answer for this node: true
	// results never depend on an assumption (assumptions only remove members), and a false one that
	// assumed only itself is a fixed point.
	if r.member || r.cutAt >= req.path.depth {
		r.cutAt = exact
	}
	return r, nil
}

// checkRelation answers a stored relation: a direct or wildcard tuple for the subject, or
// membership in one of the subject sets stored under it.
func (ev *evaluator) checkRelation(ctx context.Context, req *checkRequest, rel *schema.Relation) (checkResult, error) {
	ids := []string{req.subject.ID}
	if req.subject.Relation == "" && req.subject.ID != store.Wildcard {
		ids = append(ids, store.Wildcard)
	}
	direct := store.TupleFilter{
		ResourceType:    req.resource.Type,
		ResourceIDs:     []string{req.resource.ID},
		Relation:        req.relation,
		SubjectType:     req.subject.Type,
		SubjectIDs:      ids,
		SubjectRelation: &req.subject.Relation,
	}
	for _, err := range req.snap.reader.QueryTuples(ctx, direct, store.QueryOptions{Limit: 1}) {
		if err != nil {
			return checkResult{}, err
		}
		return exactTrue, nil
	}
	var sets []store.Subject
	for _, a := range rel.Allowed {
		if a.Relation == "" {
			continue
		}
		f := store.TupleFilter{
			ResourceType:    req.resource.Type,
			ResourceIDs:     []string{req.resource.ID},
			Relation:        req.relation,
			SubjectType:     a.Type,
			SubjectRelation: &a.Relation,
		}
		for t, err := range req.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
			if err != nil {
				return checkResult{}, err
			}
			sets = append(sets, t.Subject)
		}
	}
	return ev.reduce.union(ctx, len(sets), func(ctx context.Context, i int) (checkResult, error) {
		return ev.sub(ctx, req, sets[i].Object(), sets[i].Relation)
	})
}

// checkExpr evaluates a permission's expression for req.
func (ev *evaluator) checkExpr(ctx context.Context, req *checkRequest, e schema.Expr) (checkResult, error) {
	switch e := e.(type) {
	case *schema.Ref:
		return ev.sub(ctx, req, req.resource, e.Name)
	case *schema.Arrow:
		return ev.checkArrow(ctx, req, e)
	case *schema.Union:
		return ev.reduce.union(ctx, len(e.Children), func(ctx context.Context, i int) (checkResult, error) {
			return ev.checkExpr(ctx, req, e.Children[i])
		})
	case *schema.Intersection:
		return ev.reduce.intersection(ctx, len(e.Children), func(ctx context.Context, i int) (checkResult, error) {
			return ev.checkExpr(ctx, req, e.Children[i])
		})
	case *schema.Exclusion:
		return ev.reduce.exclusion(ctx,
			func(ctx context.Context) (checkResult, error) { return ev.checkExpr(ctx, req, e.Base) },
			func(ctx context.Context) (checkResult, error) { return ev.checkExpr(ctx, req, e.Subtract) })
	}
	return checkResult{}, fault.Bugf("unknown expression %T", e)
}

// checkArrow follows e.Tupleset from the resource and checks e.Computed on every target that has it.
func (ev *evaluator) checkArrow(ctx context.Context, req *checkRequest, e *schema.Arrow) (checkResult, error) {
	f := store.TupleFilter{
		ResourceType: req.resource.Type,
		ResourceIDs:  []string{req.resource.ID},
		Relation:     e.Tupleset,
	}
	var targets []store.ObjectRef
	for t, err := range req.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return checkResult{}, err
		}
		if def := req.snap.schema.Definitions[t.Subject.Type]; def != nil && def.HasRelationOrPermission(e.Computed) {
			targets = append(targets, t.Subject.Object())
		}
	}
	return ev.reduce.union(ctx, len(targets), func(ctx context.Context, i int) (checkResult, error) {
		return ev.sub(ctx, req, targets[i], e.Computed)
	})
}

// sub dispatches the sub-problem resource#relation of req, unless the path already holds it.
func (ev *evaluator) sub(ctx context.Context, req *checkRequest, resource store.ObjectRef, relation string) (checkResult, error) {
	if req.subject.Relation == relation && req.subject.Object() == resource {
		return exactTrue, nil // a subject set contains itself
	}
	if d := req.path.onPath(resource, relation); d >= 0 {
		return checkResult{member: false, cutAt: d}, nil
	}
	if int(req.path.depth)+1 > req.maxDepth {
		return checkResult{}, fault.New(fault.ResourceExhausted,
			"check exceeded the maximum depth of %d; raise max_depth or simplify the data", req.maxDepth)
	}
	child := *req
	child.resource, child.relation = resource, relation
	// A relation that holds no subject sets is one lookup: cheaper than a cache lookup, and it
	// cannot recurse (so it needs no path), so it is answered here rather than dispatched.
	if def := req.snap.schema.Definitions[resource.Type]; def != nil {
		if rel, ok := def.Relations[relation]; ok && !holdsSubjectSets(rel) {
			return ev.checkRelation(ctx, &child, rel)
		}
	}
	child.path = req.path.child(resource, relation)
	return ev.dispatch.check(ctx, &child)
}

func holdsSubjectSets(rel *schema.Relation) bool {
	for _, a := range rel.Allowed {
		if a.Relation != "" {
			return true
		}
	}
	return false
}
