package schema

import (
	"fmt"
	"slices"
	"strings"
)

// graph is the dependency graph of a schema. Its nodes are the relations and permissions of every
// definition; its edges say what a node's value is computed from:
//
//   - a permission depends on every name it refers to (a plain reference) and, for an arrow a->b,
//     on b of every type that a allows and that has a b;
//   - a relation depends on T#R for every subject set T#R in its type list.
//
// An edge that comes from the right-hand side of an exclusion is negative.
type graph struct {
	nodes []node
	index map[node]int
	pos   []Position // of each node's declaration
	edges [][]edge   // by source node
}

// maxCycleSteps is how many steps of a cycle an error message shows.
const maxCycleSteps = 10

type node struct{ typ, name string }

func (n node) String() string { return n.typ + "#" + n.name }

type edge struct {
	to  int
	ref bool // a plain reference to a relation or permission of the same definition
	// excl is the innermost exclusion whose right-hand side the edge comes from; nil for positive
	// edges.
	excl *Exclusion
}

// newGraph builds the dependency graph of s, whose names must all resolve.
func newGraph(s *Schema) *graph {
	g := &graph{index: make(map[node]int)}
	for _, dn := range s.Order {
		d := s.Definitions[dn]
		for _, name := range d.Order {
			n := node{dn, name}
			g.index[n] = len(g.nodes)
			g.nodes = append(g.nodes, n)
			if r, ok := d.Relations[name]; ok {
				g.pos = append(g.pos, r.Pos)
			} else {
				g.pos = append(g.pos, d.Permissions[name].Pos)
			}
		}
	}
	g.edges = make([][]edge, len(g.nodes))
	for _, dn := range s.Order {
		d := s.Definitions[dn]
		for _, name := range d.Order {
			from := g.index[node{dn, name}]
			if r, ok := d.Relations[name]; ok {
				for _, a := range r.Allowed {
					if a.Relation != "" {
						g.link(from, node{a.Type, a.Relation}, edge{})
					}
				}
				continue
			}
			g.walk(d, from, d.Permissions[name].Expr, nil)
		}
	}
	return g
}

// walk adds the edges from node from for expression e; excl is the innermost exclusion whose
// right-hand side holds e, or nil.
func (g *graph) walk(d *Definition, from int, e Expr, excl *Exclusion) {
	switch e := e.(type) {
	case *Ref:
		g.link(from, node{d.Name, e.Name}, edge{ref: true, excl: excl})
	case *Arrow:
		for _, a := range d.Relations[e.Tupleset].Allowed {
			g.link(from, node{a.Type, e.Computed}, edge{excl: excl})
		}
	case *Exclusion:
		g.walk(d, from, e.Base, excl)
		g.walk(d, from, e.Subtract, e)
	default:
		for _, x := range operands(e) {
			g.walk(d, from, x, excl)
		}
	}
}

// link adds an edge from node from to node to, if to exists: an arrow's target type may lack the
// computed name.
func (g *graph) link(from int, to node, e edge) {
	if i, ok := g.index[to]; ok {
		e.to = i
		g.edges[from] = append(g.edges[from], e)
	}
}

// checkPermissionCycles reports permissions defined only in terms of each other: cycles of plain
// references, which no tuple can ever break. Cycles through arrows and subject sets go through
// data and are fine.
func (g *graph) checkPermissionCycles(errs *ErrorList) {
	isRef := func(e edge) bool { return e.ref }
	comp := g.components(isRef)
	reported := make(map[int]bool)
	for v, n := range g.nodes {
		if reported[comp[v]] {
			continue
		}
		path := g.cycle(v, comp, isRef)
		if path == nil {
			continue
		}
		reported[comp[v]] = true
		var steps []string
		for i := range min(len(path)-1, maxCycleSteps) {
			steps = append(steps, g.nodes[path[i]].name+" uses "+g.nodes[path[i+1]].name)
		}
		if more := len(path) - 1 - maxCycleSteps; more > 0 {
			steps = append(steps, fmt.Sprintf("and %d more", more))
		}
		errs.add(g.pos[v], "permission %s is defined only in terms of itself: %s", n, strings.Join(steps, ", "))
	}
}

// checkExclusions reports exclusions whose right-hand side depends on the permission that holds
// them: such a permission has no stratified meaning.
func (g *graph) checkExclusions(errs *ErrorList) {
	comp := g.components(func(edge) bool { return true })
	reported := make(map[*Exclusion]bool)
	for v, n := range g.nodes {
		for _, e := range g.edges[v] {
			if e.excl == nil || comp[e.to] != comp[v] || reported[e.excl] {
				continue
			}
			reported[e.excl] = true
			errs.add(e.excl.Pos, "permission %s depends on itself through the right-hand side of '-'; %s", n,
				"an exclusion cannot subtract something that recurses back into the permission")
		}
	}
}

// components returns the strongly connected component of every node, following the edges that
// keep accepts (Tarjan's algorithm).
func (g *graph) components(keep func(edge) bool) []int {
	const unvisited = -1
	var (
		index   = make([]int, len(g.nodes))
		low     = make([]int, len(g.nodes))
		onStack = make([]bool, len(g.nodes))
		comp    = make([]int, len(g.nodes))
		stack   []int
		next    int
		ncomp   int
		visit   func(v int)
	)
	for i := range index {
		index[i] = unvisited
	}
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, e := range g.edges[v] {
			switch {
			case !keep(e):
			case index[e.to] == unvisited:
				visit(e.to)
				low[v] = min(low[v], low[e.to])
			case onStack[e.to]:
				low[v] = min(low[v], index[e.to])
			}
		}
		if low[v] != index[v] {
			return
		}
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			comp[w] = ncomp
			if w == v {
				break
			}
		}
		ncomp++
	}
	for v := range g.nodes {
		if index[v] == unvisited {
			visit(v)
		}
	}
	return comp
}

// cycle returns a shortest cycle from v back to v through kept edges, as the list of nodes that
// starts and ends with v, or nil if v is on no cycle.
func (g *graph) cycle(v int, comp []int, keep func(edge) bool) []int {
	prev := make(map[int]int)
	queue := []int{v}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, e := range g.edges[u] {
			if !keep(e) || comp[e.to] != comp[v] {
				continue
			}
			if e.to == v {
				path := []int{v}
				for w := u; w != v; w = prev[w] {
					path = append(path, w)
				}
				path = append(path, v)
				slices.Reverse(path)
				return path
			}
			if _, seen := prev[e.to]; !seen {
				prev[e.to] = u
				queue = append(queue, e.to)
			}
		}
	}
	return nil
}
