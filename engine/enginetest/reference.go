package enginetest

import (
	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/store"
)

// reference is a deliberately simple evaluator, written to be obviously right rather than fast:
// no caches, no concurrency, no indexes. A check that comes back to a userset it is already
// evaluating takes that path to contribute nothing (see the engine's package documentation).
type reference struct {
	schema *schema.Schema
	tuples []store.Tuple
}

type refNode struct {
	object   store.ObjectRef
	relation string
}

func (r *reference) check(object store.ObjectRef, relation string, subject store.Subject) bool {
	return r.eval(object, relation, subject, map[refNode]bool{})
}

func (r *reference) eval(object store.ObjectRef, relation string, subject store.Subject, path map[refNode]bool) bool {
	if subject.Relation == relation && subject.Object() == object {
		return true
	}
	n := refNode{object, relation}
	if path[n] {
		return false
	}
	path[n] = true
	defer delete(path, n)

	def := r.schema.Definitions[object.Type]
	if def == nil {
		return false
	}
	if _, ok := def.Relations[relation]; ok {
		for _, t := range r.tuples {
			if t.Resource != object || t.Relation != relation {
				continue
			}
			if t.Subject == subject {
				return true
			}
			if t.Subject.IsWildcard() && t.Subject.Type == subject.Type && subject.Relation == "" {
				return true
			}
			if t.Subject.Relation != "" && r.eval(t.Subject.Object(), t.Subject.Relation, subject, path) {
				return true
			}
		}
		return false
	}
	perm, ok := def.Permissions[relation]
	if !ok {
		return false
	}
	return r.expr(object, perm.Expr, subject, path)
}

func (r *reference) expr(object store.ObjectRef, e schema.Expr, subject store.Subject, path map[refNode]bool) bool {
	switch e := e.(type) {
	case *schema.Ref:
		return r.eval(object, e.Name, subject, path)
	case *schema.Arrow:
		for _, t := range r.tuples {
			if t.Resource == object && t.Relation == e.Tupleset && r.eval(t.Subject.Object(), e.Computed, subject, path) {
				return true
			}
		}
		return false
	case *schema.Union:
		for _, c := range e.Children {
			if r.expr(object, c, subject, path) {
				return true
			}
		}
		return false
	case *schema.Intersection:
		for _, c := range e.Children {
			if !r.expr(object, c, subject, path) {
				return false
			}
		}
		return true
	case *schema.Exclusion:
		return r.expr(object, e.Base, subject, path) && !r.expr(object, e.Subtract, subject, path)
	}
	panic("unknown expression")
}
