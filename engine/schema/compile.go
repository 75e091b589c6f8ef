package schema

import "fmt"

// maxSourceSize is the size limit of a schema source: 1 MiB.
const maxSourceSize = 1 << 20

// Compile parses and type-checks a schema source.
//
// On failure the error is an [ErrorList] of every problem found, sorted by position: lexical and
// syntax errors if there are any (the parser recovers at the next "definition", "relation",
// "permission" or '}'), otherwise type errors. It holds at most 20 errors, and then one more,
// "too many errors". Sources over 1 MiB and expressions nested in more than 64 parentheses are
// rejected.
func Compile(source string) (*Schema, error) {
	if len(source) > maxSourceSize {
		return nil, ErrorList{{
			Pos: Position{Line: 1, Column: 1},
			Msg: fmt.Sprintf("schema is too large: %d bytes, at most %d (1 MiB) are allowed", len(source), maxSourceSize),
		}}
	}
	var (
		errs ErrorList
		s    *Schema
	)
	defs := parse(source, &errs)
	if len(errs) == 0 {
		s = check(defs, &errs)
	}
	if len(errs) > 0 {
		return nil, errs.trimmed()
	}
	return s, nil
}
