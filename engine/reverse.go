package engine

import (
	"sync"

	"github.com/wardhq/ward/engine/schema"
)

// typeRel names a relation or permission of a type.
type typeRel struct{ typ, rel string }

// reverseEdges is, for one schema, where membership in a userset of each type#relation can flow:
// the reverse walk of LookupResources follows these instead of searching the schema at every
// userset it reaches.
type reverseEdges struct {
	// sets[T#R] lists the relations whose type list holds the subject set T#R.
	sets map[typeRel][]typeRel
	// refs[T#R] lists the permissions of T that refer to R outside the right of an exclusion.
	refs map[typeRel][]string
	// arrows[T#R] lists the permissions reached through an arrow `ts->R` whose tupleset holds T.
	arrows map[typeRel][]arrowEdge
}

// arrowEdge is a permission of typ with an arrow over its relation tupleset.
type arrowEdge struct {
	typ, tupleset, permission string
}

func newReverseEdges(s *schema.Schema) *reverseEdges {
	r := &reverseEdges{sets: map[typeRel][]typeRel{}, refs: map[typeRel][]string{}, arrows: map[typeRel][]arrowEdge{}}
	for _, typ := range s.Order {
		def := s.Definitions[typ]
		for _, name := range def.Order {
			if rel, ok := def.Relations[name]; ok {
				for _, a := range rel.Allowed {
					if a.Relation != "" {
						k := typeRel{a.Type, a.Relation}
						r.sets[k] = append(r.sets[k], typeRel{typ, name})
					}
				}
				continue
			}
			perm := def.Permissions[name]
			positiveLeaves(perm.Expr, func(leaf schema.Expr) {
				switch l := leaf.(type) {
				case *schema.Ref:
					k := typeRel{typ, l.Name}
					r.refs[k] = append(r.refs[k], name)
				case *schema.Arrow:
					for _, a := range def.Relations[l.Tupleset].Allowed {
						k := typeRel{a.Type, l.Computed}
						r.arrows[k] = append(r.arrows[k], arrowEdge{typ: typ, tupleset: l.Tupleset, permission: name})
					}
				}
			})
		}
	}
	return r
}

// reverseIndex keeps the reverse edges of the schemas in use.
type reverseIndex struct {
	mu    sync.Mutex
	edges map[*schema.Schema]*reverseEdges
}

func (x *reverseIndex) of(s *schema.Schema) *reverseEdges {
	x.mu.Lock()
	defer x.mu.Unlock()
	if r, ok := x.edges[s]; ok {
		return r
	}
	if x.edges == nil || len(x.edges) >= 8 {
		x.edges = map[*schema.Schema]*reverseEdges{}
	}
	r := newReverseEdges(s)
	x.edges[s] = r
	return r
}
