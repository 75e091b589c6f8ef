package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wardhq/ward/engine/schema"
)

// tree returns e as an S-expression that shows its structure, without positions.
func tree(e schema.Expr) string {
	list := func(op string, xs ...schema.Expr) string {
		s := "(" + op
		for _, x := range xs {
			s += " " + tree(x)
		}
		return s + ")"
	}
	switch e := e.(type) {
	case *schema.Union:
		return list("+", e.Children...)
	case *schema.Intersection:
		return list("&", e.Children...)
	case *schema.Exclusion:
		return list("-", e.Base, e.Subtract)
	case *schema.Ref:
		return e.Name
	case *schema.Arrow:
		return e.Tupleset + "->" + e.Computed
	}
	return fmt.Sprintf("<%T>", e)
}

// dump returns the structure of s, without positions.
func dump(s *schema.Schema) string {
	var b strings.Builder
	for _, name := range s.Order {
		d, ok := s.Definition(name)
		if !ok || d.Name != name {
			fmt.Fprintf(&b, "definition %s missing\n", name)
			continue
		}
		fmt.Fprintf(&b, "definition %s\n", name)
		for _, n := range d.Order {
			if r, ok := d.Relations[n]; ok {
				fmt.Fprintf(&b, "  relation %s %v\n", r.Name, r.Allowed)
			} else {
				fmt.Fprintf(&b, "  permission %s %s\n", d.Permissions[n].Name, tree(d.Permissions[n].Expr))
			}
		}
	}
	fmt.Fprintf(&b, "%d definitions", len(s.Definitions))
	return b.String()
}

// compileExpr compiles `permission p = expr` in a definition with relations a to d and parent.
func compileExpr(t *testing.T, expr string) schema.Expr {
	t.Helper()
	s, err := schema.Compile(`definition user {}
definition doc {
  relation a: user
  relation b: user
  relation c: user
  relation d: user
  relation parent: doc
  permission p = ` + expr + `
}`)
	if err != nil {
		t.Fatalf("Compile(%q): %v", expr, err)
	}
	return s.Definitions["doc"].Permissions["p"].Expr
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		expr, tree, text string
	}{
		{"a", "a", "a"},
		{"parent->a", "parent->a", "parent->a"},
		{"parent -> a", "parent->a", "parent->a"},
		{"a + b + c", "(+ a b c)", "a + b + c"},
		{"a + b - c", "(- (+ a b) c)", "(a + b) - c"},
		{"a - b + c", "(+ (- a b) c)", "(a - b) + c"},
		{"a - b - c", "(- (- a b) c)", "a - b - c"},
		{"a - (b - c)", "(- a (- b c))", "a - (b - c)"},
		{"a - (b + c)", "(- a (+ b c))", "a - (b + c)"},
		{"a + (b - c)", "(+ a (- b c))", "a + (b - c)"},
		{"a + b & c", "(+ a (& b c))", "a + b & c"},
		{"a & b + c", "(+ (& a b) c)", "a & b + c"},
		{"a - b & c", "(- a (& b c))", "a - b & c"},
		{"a & b - c & d", "(- (& a b) (& c d))", "a & b - c & d"},
		{"(a + b) & c", "(& (+ a b) c)", "(a + b) & c"},
		{"a & (b - c) & d", "(& a (- b c) d)", "a & (b - c) & d"},
		{"parent->a & b", "(& parent->a b)", "parent->a & b"},
		{"((a))", "a", "a"},
		{"a + (b + (c + d))", "(+ a b c d)", "a + b + c + d"},
		{"(a + b) + (c + d)", "(+ a b c d)", "a + b + c + d"},
		{"(a & b) & (c & d)", "(& a b c d)", "a & b & c & d"},
		{"(a - b) + c", "(+ (- a b) c)", "(a - b) + c"},
		{"(a - b) & c", "(& (- a b) c)", "(a - b) & c"},
	}
	for _, tt := range tests {
		e := compileExpr(t, tt.expr)
		if got := tree(e); got != tt.tree {
			t.Errorf("%s: tree %s, want %s", tt.expr, got, tt.tree)
		}
		if got := e.String(); got != tt.text {
			t.Errorf("%s: String() = %q, want %q", tt.expr, got, tt.text)
		}
	}
}

// TestStringParenthesizes checks String on trees that the parser never builds: nested unions and
// intersections print with parentheses, so that the text keeps the tree's meaning.
func TestStringParenthesizes(t *testing.T) {
	a, b, c := &schema.Ref{Name: "a"}, &schema.Ref{Name: "b"}, &schema.Ref{Name: "c"}
	tests := []struct {
		e    schema.Expr
		want string
	}{
		{&schema.Union{Children: []schema.Expr{a, &schema.Union{Children: []schema.Expr{b, c}}}}, "a + (b + c)"},
		{&schema.Union{Children: []schema.Expr{&schema.Union{Children: []schema.Expr{a, b}}, c}}, "a + b + c"},
		{&schema.Exclusion{Base: &schema.Exclusion{Base: a, Subtract: b}, Subtract: c}, "a - b - c"},
		{&schema.Exclusion{Base: a, Subtract: &schema.Exclusion{Base: b, Subtract: c}}, "a - (b - c)"},
		{&schema.Intersection{Children: []schema.Expr{a, &schema.Intersection{Children: []schema.Expr{b, c}}}}, "a & (b & c)"},
		{&schema.Exclusion{Base: a, Subtract: &schema.Intersection{Children: []schema.Expr{b, c}}}, "a - b & c"},
		{&schema.Intersection{Children: []schema.Expr{&schema.Exclusion{Base: a, Subtract: b}, c}}, "(a - b) & c"},
	}
	for _, tt := range tests {
		if got := tt.e.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

// TestPositions checks where expressions are: names and arrows at their first name, operators
// at the operator (a flattened union or intersection at its leftmost operator).
func TestPositions(t *testing.T) {
	const prefix = len("  permission p = ") // columns of the expression start after this
	tests := []struct {
		expr string
		col  int // column of the expression, relative to its start (1-based)
	}{
		{"a", 1},
		{"parent->a", 1},
		{"a + b", 3},
		{"a + b + c", 3},
		{"(a + b) + c", 4},
		{"a + (b + c)", 3},
		{"a & b - c", 7},
		{"(a)", 2},
		{"a & b & c + d", 11},
	}
	for _, tt := range tests {
		e := compileExpr(t, tt.expr)
		want := schema.Position{Line: 8, Column: prefix + tt.col}
		if got := e.Position(); got != want {
			t.Errorf("%s: Position() = %v, want %v", tt.expr, got, want)
		}
	}
}
