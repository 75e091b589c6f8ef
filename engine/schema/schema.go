// Package schema owns ward's schema language: its lexer, parser and type checker, and the compiled
// form the check engine evaluates.
//
// A schema is a list of definitions; each definition has relations (which subject types may hold them)
// and permissions (expressions over relations and permissions):
//
//	definition document {
//	  relation parent: folder
//	  relation viewer: user | user:* | group#member
//	  relation banned: user
//	  permission view = (viewer + parent->view) - banned
//	}
//
// `+` is union, `&` intersection, `-` exclusion (binding as tightly as `+`; operators of one precedence
// level associate to the left; `&` binds tighter than `+` and `-`), `a->b` follows relation a and
// evaluates b on each target, and parentheses group.
//
// [Compile] turns source text into a [Schema], reporting every error with the line and column it was
// found at; [Schema.String] turns a schema back into canonical source text.
package schema

import "fmt"

// Schema is a compiled, type-checked schema.
type Schema struct {
	// Definitions by type name.
	Definitions map[string]*Definition
	// Order lists the definition names in source order.
	Order []string
}

// Definition returns the definition of the named type.
func (s *Schema) Definition(name string) (*Definition, bool) {
	d, ok := s.Definitions[name]
	return d, ok
}

// Definition is one object type.
type Definition struct {
	Name        string
	Pos         Position
	Relations   map[string]*Relation
	Permissions map[string]*Permission
	// Order lists relation and permission names in source order.
	Order []string
}

// HasRelationOrPermission reports whether d has a relation or a permission with the given name.
func (d *Definition) HasRelationOrPermission(name string) bool {
	_, rel := d.Relations[name]
	_, perm := d.Permissions[name]
	return rel || perm
}

// Relation is a stored relation: tuples `type:id#relation@subject` hold it.
type Relation struct {
	Name    string
	Pos     Position
	Allowed []AllowedSubject
}

// AllowedSubject is one entry of a relation's type list: `user`, `user:*` or `group#member`.
type AllowedSubject struct {
	Type     string
	Relation string // a relation or permission of Type, for subject sets
	Wildcard bool   // `type:*`
	Pos      Position
}

// String returns the entry as source text: `user`, `user:*` or `group#member`.
func (a AllowedSubject) String() string {
	switch {
	case a.Wildcard:
		return a.Type + ":*"
	case a.Relation != "":
		return a.Type + "#" + a.Relation
	}
	return a.Type
}

// Permission is a computed relation.
type Permission struct {
	Name string
	Pos  Position
	Expr Expr
}

// Expr is a permission expression: *Union, *Intersection, *Exclusion, *Ref or *Arrow.
type Expr interface {
	Position() Position
	String() string
	expr()
}

// Union holds when any child holds.
type Union struct {
	Pos      Position
	Children []Expr // at least two
}

// Intersection holds when every child holds.
type Intersection struct {
	Pos      Position
	Children []Expr // at least two
}

// Exclusion holds when Base holds and Subtract does not.
type Exclusion struct {
	Pos      Position
	Base     Expr
	Subtract Expr
}

// Ref names a relation or permission of the same definition (a computed userset).
type Ref struct {
	Pos  Position
	Name string
}

// Arrow follows the relation Tupleset to each target object and evaluates Computed there
// (tuple-to-userset). A target whose type has no Computed contributes nothing.
type Arrow struct {
	Pos      Position
	Tupleset string
	Computed string
}

// Position is a place in the source: 1-based line and column (in bytes).
type Position struct {
	Line, Column int
}

// String returns the position as "line:column".
func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Position returns where the expression is in the source: a Ref or an Arrow at its first name; a
// Union, Intersection or Exclusion at its operator, the leftmost one if it has several.
func (e *Union) Position() Position        { return e.Pos }
func (e *Intersection) Position() Position { return e.Pos }
func (e *Exclusion) Position() Position    { return e.Pos }
func (e *Ref) Position() Position          { return e.Pos }
func (e *Arrow) Position() Position        { return e.Pos }

func (*Union) expr()        {}
func (*Intersection) expr() {}
func (*Exclusion) expr()    {}
func (*Ref) expr()          {}
func (*Arrow) expr()        {}
