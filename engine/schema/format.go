package schema

import (
	"fmt"
	"strings"
)

// String returns the schema as canonical source text: the definitions in order, separated by blank
// lines, each relation and permission on a line of its own, indented by two spaces, without
// comments. Compiling the text yields an equivalent schema.
func (s *Schema) String() string {
	var b strings.Builder
	for i, name := range s.Order {
		if i > 0 {
			b.WriteByte('\n')
		}
		d := s.Definitions[name]
		if len(d.Order) == 0 {
			fmt.Fprintf(&b, "definition %s {}\n", name)
			continue
		}
		fmt.Fprintf(&b, "definition %s {\n", name)
		for _, name := range d.Order {
			if r, ok := d.Relations[name]; ok {
				allowed := make([]string, len(r.Allowed))
				for i, a := range r.Allowed {
					allowed[i] = a.String()
				}
				fmt.Fprintf(&b, "  relation %s: %s\n", name, strings.Join(allowed, " | "))
			} else {
				fmt.Fprintf(&b, "  permission %s = %s\n", name, d.Permissions[name].Expr)
			}
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// Precedence levels of the operators: a higher level binds tighter.
const (
	precSum     = 1 // + and -
	precAnd     = 2 // &
	precPrimary = 3 // names, arrows
)

func precedence(e Expr) int {
	switch e.(type) {
	case *Union, *Exclusion:
		return precSum
	case *Intersection:
		return precAnd
	}
	return precPrimary
}

// String returns the union as source text, `a + b + c`, parenthesizing operands as needed.
func (e *Union) String() string { return join(e, e.Children, " + ") }

// String returns the intersection as source text, `a & b & c`, parenthesizing operands as needed.
func (e *Intersection) String() string { return join(e, e.Children, " & ") }

// String returns the exclusion as source text, `a - b`, parenthesizing operands as needed.
func (e *Exclusion) String() string {
	return operand(e, e.Base, true) + " - " + operand(e, e.Subtract, false)
}

// String returns the name.
func (e *Ref) String() string { return e.Name }

// String returns the arrow as source text, `parent->view`.
func (e *Arrow) String() string { return e.Tupleset + "->" + e.Computed }

func join(parent Expr, xs []Expr, op string) string {
	var b strings.Builder
	for i, x := range xs {
		if i > 0 {
			b.WriteString(op)
		}
		b.WriteString(operand(parent, x, i == 0))
	}
	return b.String()
}

// operand formats x, an operand of parent, in parentheses where the parser needs them: around an
// operand that binds more loosely than parent, and, as the operators associate to the left,
// around a later operand that binds just as tightly. It also parenthesizes where '+' and '-' meet,
// which readers find ambiguous: (a + b) - c, (a - b) + c.
func operand(parent, x Expr, first bool) string {
	px, pp := precedence(x), precedence(parent)
	_, xUnion := x.(*Union)
	_, parentUnion := parent.(*Union)
	if px < pp || px == pp && (!first || xUnion != parentUnion) {
		return "(" + x.String() + ")"
	}
	return x.String()
}
