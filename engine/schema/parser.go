package schema

// The grammar, in EBNF:
//
//	schema     = { definition } .
//	definition = "definition" name "{" { relation | permission } "}" .
//	relation   = "relation" name ":" subject { "|" subject } .
//	subject    = name [ ":" "*" | "#" name ] .
//	permission = "permission" name "=" expr .
//	expr       = term { ( "+" | "-" ) term } .
//	term       = primary { "&" primary } .
//	primary    = name [ "->" name ] | "(" expr ")" .

// maxDepth is how deeply parentheses may nest in a permission expression.
const maxDepth = 64

// defNode is a definition as written: its relations and permissions in source order, duplicates
// included. The checker turns a list of them into a [Schema].
type defNode struct {
	name    string
	pos     Position
	members []member
}

// member is a relation or a permission; exactly one of the fields is set.
type member struct {
	rel  *Relation
	perm *Permission
}

func (m member) name() string {
	if m.rel != nil {
		return m.rel.Name
	}
	return m.perm.Name
}

func (m member) pos() Position {
	if m.rel != nil {
		return m.rel.Pos
	}
	return m.perm.Pos
}

// parser is a recursive-descent parser with one token of lookahead. After a syntax error it skips
// to the next "definition", "relation", "permission" or '}', so that one mistake costs one error.
type parser struct {
	lex   *lexer
	tok   token
	errs  *ErrorList
	def   string // name of the definition being parsed, for messages
	depth int    // parentheses open around the current token
}

// parse parses a schema source, reporting lexical and syntax errors to errs.
func parse(src string, errs *ErrorList) []*defNode {
	p := &parser{lex: newLexer(src, errs), errs: errs}
	p.next()
	var defs []*defNode
	for p.tok.kind != tokEOF {
		if p.tok.kind != tokDefinition {
			p.errorExpected(`"definition"`)
			p.next()
			p.skipTo(tokDefinition)
			continue
		}
		if d := p.definition(); d != nil {
			defs = append(defs, d)
		}
	}
	return defs
}

func (p *parser) next() { p.tok = p.lex.next() }

func (p *parser) errorExpected(what string) {
	p.errs.add(p.tok.pos, "expected %s, found %s", what, p.tok)
}

// expect consumes a token of the given kind, or reports an error and returns false.
func (p *parser) expect(kind tokenKind) bool {
	if p.tok.kind != kind {
		p.errorExpected(kind.String())
		return false
	}
	p.next()
	return true
}

// name consumes a name, or reports that it expected what and returns false.
func (p *parser) name(what string) (string, bool) {
	if p.tok.kind != tokName {
		p.errorExpected(what)
		return "", false
	}
	name := p.tok.text
	p.next()
	return name, true
}

// skipTo skips tokens up to one of the given kinds or the end of the input.
func (p *parser) skipTo(kinds ...tokenKind) {
	for p.tok.kind != tokEOF {
		for _, k := range kinds {
			if p.tok.kind == k {
				return
			}
		}
		p.next()
	}
}

// sync skips to the start of the next relation, permission or definition, or the end of the
// current definition.
func (p *parser) sync() { p.skipTo(tokRelation, tokPermission, tokDefinition, tokRBrace) }

func (p *parser) definition() *defNode {
	d := &defNode{pos: p.tok.pos}
	p.next() // "definition"
	name, ok := p.name("a type name after \"definition\"")
	if !ok || !p.expect(tokLBrace) {
		p.skipTo(tokDefinition)
		return nil
	}
	d.name, p.def = name, name
	for {
		switch p.tok.kind {
		case tokRelation:
			if r := p.relation(); r != nil {
				d.members = append(d.members, member{rel: r})
			}
		case tokPermission:
			if perm := p.permission(); perm != nil {
				d.members = append(d.members, member{perm: perm})
			}
		case tokRBrace:
			p.next()
			return d
		case tokDefinition, tokEOF:
			p.errorExpected("'}' to close definition " + name)
			return d
		default:
			p.errorExpected(`"relation", "permission" or '}'`)
			p.next()
			p.sync()
		}
	}
}

func (p *parser) relation() *Relation {
	r := &Relation{Pos: p.tok.pos}
	p.next() // "relation"
	var ok bool
	if r.Name, ok = p.name("a relation name"); !ok || !p.expect(tokColon) {
		p.sync()
		return nil
	}
	switch p.tok.kind {
	case tokRelation, tokPermission, tokDefinition, tokRBrace, tokEOF:
		p.errs.add(r.Pos, "empty type list: relation %s#%s must allow at least one subject type", p.def, r.Name)
		return nil
	}
	for {
		a, ok := p.subject()
		if !ok {
			p.sync()
			return nil
		}
		r.Allowed = append(r.Allowed, a)
		if p.tok.kind != tokPipe {
			return r
		}
		p.next()
	}
}

// subject parses one entry of a type list: `user`, `user:*` or `group#member`.
func (p *parser) subject() (AllowedSubject, bool) {
	a := AllowedSubject{Pos: p.tok.pos}
	var ok bool
	if a.Type, ok = p.name("a subject type"); !ok {
		return a, false
	}
	switch p.tok.kind {
	case tokColon:
		p.next()
		if p.tok.kind != tokStar {
			p.errorExpected("'*' after ':'")
			return a, false
		}
		p.next()
		a.Wildcard = true
		return a, true
	case tokHash:
		p.next()
		a.Relation, ok = p.name("a relation or permission name after '#'")
		return a, ok
	}
	return a, true
}

func (p *parser) permission() *Permission {
	perm := &Permission{Pos: p.tok.pos}
	p.next() // "permission"
	var ok bool
	if perm.Name, ok = p.name("a permission name"); !ok || !p.expect(tokEquals) {
		p.sync()
		return nil
	}
	if perm.Expr = p.expr(); perm.Expr == nil {
		p.sync()
		return nil
	}
	return perm
}

// expr parses terms joined by '+' and '-', which associate to the left. Like term and primary, it
// returns nil after a syntax error, which it has reported.
func (p *parser) expr() Expr {
	x := p.term()
	for x != nil && (p.tok.kind == tokPlus || p.tok.kind == tokMinus) {
		op := p.tok
		p.next()
		y := p.term()
		switch {
		case y == nil:
			return nil
		case op.kind == tokPlus:
			x = union(op.pos, x, y)
		default:
			x = &Exclusion{Pos: op.pos, Base: x, Subtract: y}
		}
	}
	return x
}

// term parses primaries joined by '&'.
func (p *parser) term() Expr {
	x := p.primary()
	for x != nil && p.tok.kind == tokAmp {
		pos := p.tok.pos
		p.next()
		y := p.primary()
		if y == nil {
			return nil
		}
		x = intersection(pos, x, y)
	}
	return x
}

// primary parses `name`, `name->name` or a parenthesized expression.
func (p *parser) primary() Expr {
	switch p.tok.kind {
	case tokName:
		pos, name := p.tok.pos, p.tok.text
		p.next()
		if p.tok.kind != tokArrow {
			return &Ref{Pos: pos, Name: name}
		}
		p.next()
		computed, ok := p.name("a relation or permission name after '->'")
		if !ok {
			return nil
		}
		return &Arrow{Pos: pos, Tupleset: name, Computed: computed}
	case tokLParen:
		if p.depth == maxDepth {
			p.errs.add(p.tok.pos, "expression is nested too deeply: at most %d levels of parentheses are allowed", maxDepth)
			return nil
		}
		p.depth++
		p.next()
		x := p.expr()
		p.depth--
		if x == nil || !p.expect(tokRParen) {
			return nil
		}
		return x
	}
	p.errorExpected("a relation or permission name or '('")
	return nil
}

// union returns x + y as one Union, merging x and y into it where they are unions themselves:
// a + b + c and a + (b + c) both become Union{a, b, c}, at the position of the leftmost '+'.
func union(pos Position, x, y Expr) *Union {
	u, ok := x.(*Union)
	if !ok {
		u = &Union{Pos: pos, Children: []Expr{x}}
	}
	if v, ok := y.(*Union); ok {
		u.Children = append(u.Children, v.Children...)
	} else {
		u.Children = append(u.Children, y)
	}
	return u
}

// intersection returns x & y as one Intersection, merging nested intersections like union.
func intersection(pos Position, x, y Expr) *Intersection {
	n, ok := x.(*Intersection)
	if !ok {
		n = &Intersection{Pos: pos, Children: []Expr{x}}
	}
	if v, ok := y.(*Intersection); ok {
		n.Children = append(n.Children, v.Children...)
	} else {
		n.Children = append(n.Children, y)
	}
	return n
}
