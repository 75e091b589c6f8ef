package engine

import (
	"context"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// TreeKind is how a node of an expansion combines its children.
type TreeKind uint8

// The kinds of expansion nodes.
const (
	Leaf TreeKind = iota + 1
	UnionNode
	IntersectionNode
	ExclusionNode // the first child minus the second
)

// Tree is the expansion of the userset Resource#Relation. A leaf lists the subjects stored under a
// relation and expands each subject set among them as a child; an operator node combines its
// children. A userset already being expanded higher up the tree (cyclic data) is not expanded again:
// it appears as a leaf whose only subject is that userset.
type Tree struct {
	Kind     TreeKind
	Resource store.ObjectRef
	Relation string
	Subjects []store.Subject
	Children []*Tree
}

// Expand returns the userset tree of resource#permission at the snapshot c selects. Every tuple
// read counts against the budget of WithMaxLookupCost, which so bounds the tree's size: a tree
// that would pass it fails with ResourceExhausted rather than being returned cut short, since a
// partial tree would read as a smaller set of subjects than the real one.
func (e *Engine) Expand(ctx context.Context, c Consistency, resource store.ObjectRef, permission string) (*Tree, Token, error) {
	b := e.newBudget("Expand")
	t, tok, err := e.expand(ctx, b, c, resource, permission)
	return t, tok, b.stopped(err)
}

func (e *Engine) expand(ctx context.Context, b *budget, c Consistency, resource store.ObjectRef, permission string) (*Tree, Token, error) {
	release, err := e.acquire(ctx, "Expand")
	if err != nil {
		return nil, "", err
	}
	defer release()
	snap, err := e.snapshotFor(ctx, c)
	if err != nil {
		return nil, "", err
	}
	if err := validateObject(resource); err != nil {
		return nil, "", fault.InField("resource", err)
	}
	if err := validateUserset(snap.schema, resource.Type, permission, "resource.type", "permission"); err != nil {
		return nil, "", e.explainStale(ctx, snap, err, func(s *schema.Schema) error {
			return validateUserset(s, resource.Type, permission, "resource.type", "permission")
		})
	}
	x := expander{snap: snap, budget: b, maxDepth: e.cfg.maxDepth}
	t, err := x.userset(ctx, (*pathNode)(nil).child(resource, permission), resource, permission)
	if err != nil {
		return nil, "", err
	}
	return t, snap.token, nil
}

type expander struct {
	snap     *snapshot
	budget   *budget
	maxDepth int
}

// userset expands resource#relation, which path ends with.
func (x *expander) userset(ctx context.Context, path *pathNode, resource store.ObjectRef, relation string) (*Tree, error) {
	def := x.snap.schema.Definitions[resource.Type]
	if rel, ok := def.Relations[relation]; ok {
		return x.relation(ctx, path, resource, rel)
	}
	return x.expr(ctx, path, resource, relation, def.Permissions[relation].Expr)
}

// enter expands resource#relation below path, or returns a back-reference leaf for a cycle.
func (x *expander) enter(ctx context.Context, path *pathNode, resource store.ObjectRef, relation string) (*Tree, error) {
	if path.onPath(resource, relation) >= 0 {
		return &Tree{Kind: Leaf, Resource: resource, Relation: relation,
			Subjects: []store.Subject{{Type: resource.Type, ID: resource.ID, Relation: relation}}}, nil
	}
	if int(path.depth)+1 > x.maxDepth {
		return nil, fault.New(fault.ResourceExhausted, "expand exceeded the maximum depth of %d", x.maxDepth)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return x.userset(ctx, path.child(resource, relation), resource, relation)
}

func (x *expander) relation(ctx context.Context, path *pathNode, resource store.ObjectRef, rel *schema.Relation) (*Tree, error) {
	t := &Tree{Kind: Leaf, Resource: resource, Relation: rel.Name}
	f := store.TupleFilter{ResourceType: resource.Type, ResourceIDs: []string{resource.ID}, Relation: rel.Name}
	for tu, err := range x.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return nil, err
		}
		if err := x.budget.spend(1); err != nil {
			return nil, err
		}
		t.Subjects = append(t.Subjects, tu.Subject)
	}
	for _, s := range t.Subjects {
		if s.Relation == "" {
			continue
		}
		if def := x.snap.schema.Definitions[s.Type]; def == nil || !def.HasRelationOrPermission(s.Relation) {
			continue
		}
		child, err := x.enter(ctx, path, s.Object(), s.Relation)
		if err != nil {
			return nil, err
		}
		t.Children = append(t.Children, child)
	}
	return t, nil
}

func (x *expander) expr(ctx context.Context, path *pathNode, resource store.ObjectRef, relation string, e schema.Expr) (*Tree, error) {
	node := func(kind TreeKind, children []schema.Expr) (*Tree, error) {
		t := &Tree{Kind: kind, Resource: resource, Relation: relation}
		for _, c := range children {
			ct, err := x.expr(ctx, path, resource, relation, c)
			if err != nil {
				return nil, err
			}
			t.Children = append(t.Children, ct)
		}
		return t, nil
	}
	switch e := e.(type) {
	case *schema.Ref:
		return x.enter(ctx, path, resource, e.Name)
	case *schema.Union:
		return node(UnionNode, e.Children)
	case *schema.Intersection:
		return node(IntersectionNode, e.Children)
	case *schema.Exclusion:
		return node(ExclusionNode, []schema.Expr{e.Base, e.Subtract})
	case *schema.Arrow:
		t := &Tree{Kind: UnionNode, Resource: resource, Relation: e.Tupleset + "->" + e.Computed}
		f := store.TupleFilter{ResourceType: resource.Type, ResourceIDs: []string{resource.ID}, Relation: e.Tupleset}
		var targets []store.ObjectRef
		for tu, err := range x.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
			if err != nil {
				return nil, err
			}
			if err := x.budget.spend(1); err != nil {
				return nil, err
			}
			if def := x.snap.schema.Definitions[tu.Subject.Type]; def != nil && def.HasRelationOrPermission(e.Computed) {
				targets = append(targets, tu.Subject.Object())
			}
		}
		for _, target := range targets {
			ct, err := x.enter(ctx, path, target, e.Computed)
			if err != nil {
				return nil, err
			}
			t.Children = append(t.Children, ct)
		}
		return t, nil
	}
	return nil, fault.Bugf("unknown expression %T", e)
}
