package schema

import (
	"fmt"
	"strings"
)

// checker turns parsed definitions into a [Schema] and type-checks it.
type checker struct {
	s    *Schema
	errs *ErrorList
}

// check builds the schema from the parsed definitions and checks it, reporting to errs. The graph
// checks (cycles among permissions, exclusions over recursion) run only on a schema whose names all
// resolve, so that one misspelled name is reported once.
func check(defs []*defNode, errs *ErrorList) *Schema {
	c := &checker{s: declare(defs, errs), errs: errs}
	for _, d := range c.definitions() {
		for _, name := range d.Order {
			if r, ok := d.Relations[name]; ok {
				c.relation(d, r)
			} else {
				c.expr(d, d.Permissions[name], d.Permissions[name].Expr)
			}
		}
	}
	if len(*errs) > 0 {
		return c.s
	}
	g := newGraph(c.s)
	g.checkPermissionCycles(errs)
	if len(*errs) == 0 {
		g.checkExclusions(errs)
	}
	return c.s
}

// declare builds the schema's maps, reporting names defined twice; a second definition of a name
// is left out.
func declare(defs []*defNode, errs *ErrorList) *Schema {
	s := &Schema{Definitions: make(map[string]*Definition)}
	for _, n := range defs {
		if prev, ok := s.Definitions[n.name]; ok {
			errs.add(n.pos, "definition %s is already defined at %s", n.name, prev.Pos.words())
			continue
		}
		d := &Definition{
			Name:        n.name,
			Pos:         n.pos,
			Relations:   make(map[string]*Relation),
			Permissions: make(map[string]*Permission),
		}
		s.Definitions[d.Name] = d
		s.Order = append(s.Order, d.Name)
		for _, m := range n.members {
			name := m.name()
			if r, ok := d.Relations[name]; ok {
				errs.add(m.pos(), "%s#%s is already defined as a relation at %s", d.Name, name, r.Pos.words())
				continue
			}
			if p, ok := d.Permissions[name]; ok {
				errs.add(m.pos(), "%s#%s is already defined as a permission at %s", d.Name, name, p.Pos.words())
				continue
			}
			if m.rel != nil {
				d.Relations[name] = m.rel
			} else {
				d.Permissions[name] = m.perm
			}
			d.Order = append(d.Order, name)
		}
	}
	return s
}

func (c *checker) definitions() []*Definition {
	defs := make([]*Definition, len(c.s.Order))
	for i, name := range c.s.Order {
		defs[i] = c.s.Definitions[name]
	}
	return defs
}

// relation checks the type list of r.
func (c *checker) relation(d *Definition, r *Relation) {
	where := fmt.Sprintf("in the type list of relation %s#%s", d.Name, r.Name)
	seen := make(map[string]bool)
	for _, a := range r.Allowed {
		if seen[a.String()] {
			c.errs.add(a.Pos, "duplicate entry %s %s", a, where)
			continue
		}
		seen[a.String()] = true
		t, ok := c.s.Definitions[a.Type]
		switch {
		case !ok:
			c.errs.add(a.Pos, "unknown type %q %s", a.Type, where)
		case a.Relation != "" && !t.HasRelationOrPermission(a.Relation):
			c.errs.add(a.Pos, "unknown relation or permission %q of type %s %s", a.Relation, a.Type, where)
		}
	}
}

// expr checks the names that e, part of permission p, refers to.
func (c *checker) expr(d *Definition, p *Permission, e Expr) {
	switch e := e.(type) {
	case *Ref:
		if !d.HasRelationOrPermission(e.Name) {
			c.errs.add(e.Pos, "unknown relation or permission %q in permission %s#%s", e.Name, d.Name, p.Name)
		}
	case *Arrow:
		c.arrow(d, p, e)
	default:
		for _, x := range operands(e) {
			c.expr(d, p, x)
		}
	}
}

// arrow checks a->b: a must be a relation of d that holds plain objects only, and at least one of
// the types it allows must have a b. A type without b is fine: it contributes nothing.
func (c *checker) arrow(d *Definition, p *Permission, a *Arrow) {
	where := fmt.Sprintf("arrow %s in permission %s#%s", a, d.Name, p.Name)
	ts, ok := d.Relations[a.Tupleset]
	if !ok {
		if _, ok := d.Permissions[a.Tupleset]; ok {
			c.errs.add(a.Pos, "%s must start from a relation, but %s is a permission", where, a.Tupleset)
		} else {
			c.errs.add(a.Pos, "unknown relation %q in %s", a.Tupleset, where)
		}
		return
	}
	found, unknown := false, false
	types := make([]string, len(ts.Allowed))
	for i, t := range ts.Allowed {
		if t.Wildcard || t.Relation != "" {
			c.errs.add(a.Pos, "%s follows relation %s, which allows %s; arrows follow objects only, so %s may list only plain types",
				where, ts.Name, t, ts.Name)
			return
		}
		types[i] = t.Type
		if td, ok := c.s.Definitions[t.Type]; !ok {
			unknown = true // reported by relation
		} else if td.HasRelationOrPermission(a.Computed) {
			found = true
		}
	}
	if !found && !unknown {
		c.errs.add(a.Pos, "%s: no type that relation %s allows (%s) has a relation or permission %q",
			where, ts.Name, strings.Join(types, ", "), a.Computed)
	}
}

// operands returns the operands of a union, intersection or exclusion, and nil for the others.
func operands(e Expr) []Expr {
	switch e := e.(type) {
	case *Union:
		return e.Children
	case *Intersection:
		return e.Children
	case *Exclusion:
		return []Expr{e.Base, e.Subtract}
	}
	return nil
}
