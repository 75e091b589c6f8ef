package schema

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// maxErrors is how many errors [Compile] reports; one more entry, "too many errors", says that
// there were more.
const maxErrors = 20

// Error is one problem in a schema, at the position where it was found.
type Error struct {
	Pos Position
	Msg string
}

// Error returns the position and the message, for example
// `line 3, column 12: unknown type "usr" in the type list of relation document#viewer`.
func (e *Error) Error() string {
	return e.Pos.words() + ": " + e.Msg
}

// ErrorList is the error [Compile] returns: the problems found in a schema, sorted by position, at
// most one per position.
type ErrorList []*Error

// Error joins the errors of the list with "; ".
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// add records an error at pos. The list stays sorted by position and short, however many errors
// a source holds: it keeps the first error reported at a position, and only the maxErrors+1 at
// the first positions, the last of which trimmed turns into "too many errors".
func (l *ErrorList) add(pos Position, format string, args ...any) {
	i, found := slices.BinarySearchFunc(*l, pos, func(e *Error, p Position) int { return e.Pos.compare(p) })
	if found || i > maxErrors {
		return
	}
	*l = slices.Insert(*l, i, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
	if len(*l) > maxErrors+1 {
		*l = (*l)[:maxErrors+1]
	}
}

// trimmed returns the list with an error beyond maxErrors replaced by "too many errors".
func (l ErrorList) trimmed() ErrorList {
	if len(l) > maxErrors {
		l = append(l[:maxErrors], &Error{Pos: l[maxErrors].Pos, Msg: "too many errors"})
	}
	return l
}

func (p Position) compare(q Position) int {
	return cmp.Or(cmp.Compare(p.Line, q.Line), cmp.Compare(p.Column, q.Column))
}

// words returns the position as "line 3, column 12".
func (p Position) words() string {
	return fmt.Sprintf("line %d, column %d", p.Line, p.Column)
}
