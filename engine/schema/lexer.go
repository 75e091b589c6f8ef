package schema

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen is the length limit, in bytes, of a type, relation or permission name.
const maxNameLen = 64

// tokenKind is the kind of a token.
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIllegal
	tokName

	// Keywords.
	tokDefinition
	tokRelation
	tokPermission

	// Punctuation.
	tokLBrace
	tokRBrace
	tokLParen
	tokRParen
	tokColon
	tokPipe
	tokHash
	tokStar
	tokEquals
	tokPlus
	tokMinus
	tokAmp
	tokArrow
)

var tokenNames = [...]string{
	tokEOF:        "end of input",
	tokIllegal:    "invalid character",
	tokName:       "name",
	tokDefinition: `"definition"`,
	tokRelation:   `"relation"`,
	tokPermission: `"permission"`,
	tokLBrace:     "'{'",
	tokRBrace:     "'}'",
	tokLParen:     "'('",
	tokRParen:     "')'",
	tokColon:      "':'",
	tokPipe:       "'|'",
	tokHash:       "'#'",
	tokStar:       "'*'",
	tokEquals:     "'='",
	tokPlus:       "'+'",
	tokMinus:      "'-'",
	tokAmp:        "'&'",
	tokArrow:      "'->'",
}

func (k tokenKind) String() string { return tokenNames[k] }

var keywords = map[string]tokenKind{
	"definition": tokDefinition,
	"relation":   tokRelation,
	"permission": tokPermission,
}

var punctuation = map[rune]tokenKind{
	'{': tokLBrace,
	'}': tokRBrace,
	'(': tokLParen,
	')': tokRParen,
	':': tokColon,
	'|': tokPipe,
	'#': tokHash,
	'*': tokStar,
	'=': tokEquals,
	'+': tokPlus,
	'-': tokMinus,
	'&': tokAmp,
}

// token is one lexical token.
type token struct {
	kind tokenKind
	pos  Position
	text string // the name, for tokName
}

// String describes the token for error messages: `name "viewer"`, `'='`, `end of input`.
func (t token) String() string {
	if t.kind == tokName {
		return fmt.Sprintf("name %q", t.text)
	}
	return t.kind.String()
}

// lexer splits a schema source into tokens. It reports lexical errors and carries on: a malformed
// name is still returned as a name, a stray character as tokIllegal.
type lexer struct {
	src       string
	off       int // offset of the next unread byte
	line      int // line of src[off]
	lineStart int // offset of the first byte of line
	errs      *ErrorList
}

func newLexer(src string, errs *ErrorList) *lexer {
	return &lexer{src: src, line: 1, errs: errs}
}

// pos returns the position of the byte at off, which must be on the current line.
func (l *lexer) pos(off int) Position {
	return Position{Line: l.line, Column: off - l.lineStart + 1}
}

// next returns the next token; at the end of the source it returns tokEOF, again and again.
func (l *lexer) next() token {
	l.skipSpace()
	pos := l.pos(l.off)
	if l.off == len(l.src) {
		return token{kind: tokEOF, pos: pos}
	}
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	if isNameRune(r) {
		return l.name(pos)
	}
	l.off += size
	if r == '-' && strings.HasPrefix(l.src[l.off:], ">") {
		l.off++
		return token{kind: tokArrow, pos: pos}
	}
	kind, ok := punctuation[r]
	if !ok {
		l.errs.add(pos, "unexpected character %q", r)
		kind = tokIllegal
	}
	return token{kind: kind, pos: pos}
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for l.off < len(l.src) {
		switch rest := l.src[l.off:]; {
		case rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n':
			l.advance()
		case strings.HasPrefix(rest, "//"):
			for l.off < len(l.src) && l.src[l.off] != '\n' {
				l.advance()
			}
		case strings.HasPrefix(rest, "/*"):
			l.blockComment()
		default:
			return
		}
	}
}

func (l *lexer) blockComment() {
	start := l.pos(l.off)
	l.off += len("/*")
	for l.off < len(l.src) {
		if strings.HasPrefix(l.src[l.off:], "*/") {
			l.off += len("*/")
			return
		}
		l.advance()
	}
	l.errs.add(start, "comment not terminated")
}

// advance consumes one character of white space or of a comment, counting lines and reporting
// invalid UTF-8.
func (l *lexer) advance() {
	c := l.src[l.off]
	if c < utf8.RuneSelf {
		l.off++
		if c == '\n' {
			l.line++
			l.lineStart = l.off
		}
		return
	}
	r, size := utf8.DecodeRuneInString(l.src[l.off:])
	if r == utf8.RuneError && size == 1 {
		l.errs.add(l.pos(l.off), "invalid UTF-8 encoding")
	}
	l.off += size
}

// name scans a keyword or a name. It takes in every letter and digit, ASCII or not, '_' and bytes
// that are not UTF-8, so that "Viewer" or "viewér" is reported as one bad name rather than as a
// trail of odd tokens.
func (l *lexer) name(pos Position) token {
	start := l.off
	for l.off < len(l.src) {
		r, size := utf8.DecodeRuneInString(l.src[l.off:])
		if !isNameRune(r) {
			break
		}
		l.off += size
	}
	text := l.src[start:l.off]
	if kind, ok := keywords[text]; ok {
		return token{kind: kind, pos: pos}
	}
	switch {
	case !utf8.ValidString(text):
		l.errs.add(l.pos(start+invalidUTF8(text)), "invalid UTF-8 encoding")
	case !isName(text):
		l.errs.add(pos, "invalid name %q: a name starts with a lower-case letter (a-z) and continues with lower-case letters, digits or '_'", text)
	case len(text) > maxNameLen:
		l.errs.add(pos, "name is too long: %d bytes, at most %d are allowed", len(text), maxNameLen)
	}
	return token{kind: tokName, pos: pos, text: text}
}

// isNameRune reports whether r may be part of a name, well-formed or not. utf8.RuneError stands for
// a byte that is not UTF-8.
func isNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' ||
		r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == utf8.RuneError)
}

// isName reports whether s has the form [a-z][a-z0-9_]*.
func isName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// invalidUTF8 returns the offset of the first byte of s that is not valid UTF-8.
func invalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return len(s)
}
