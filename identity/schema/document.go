package schema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxSchemaDepth bounds the nesting of a schema document, so that a hostile or broken document
// cannot make the recursive walks below (and the compiler's) go arbitrarily deep.
const maxSchemaDepth = 128

// node is a parsed JSON value that keeps the order of object members, which Kratos relies on to
// order form fields as the schema lists them. Numbers keep their literal text.
type node struct {
	kind    nodeKind
	str     string // a string's value or a number's literal
	boolean bool
	members []member // of an object, in document order
	items   []*node  // of an array
}

type member struct {
	key string
	val *node
}

type nodeKind uint8

const (
	kindNull nodeKind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// get returns the value of an object member, or nil when n is not an object or has no such key.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindObject {
		return nil
	}
	for _, m := range n.members {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// stringAt returns the string value of member key, and whether there is one.
func (n *node) stringAt(key string) (string, bool) {
	v := n.get(key)
	if v == nil || v.kind != kindString {
		return "", false
	}
	return v.str, true
}

// toAny converts n to the generic form the validator compiles: maps, slices, strings,
// json.Number, bools and nil.
func (n *node) toAny() any {
	switch n.kind {
	case kindBool:
		return n.boolean
	case kindNumber:
		return json.Number(n.str)
	case kindString:
		return n.str
	case kindArray:
		out := make([]any, len(n.items))
		for i, it := range n.items {
			out[i] = it.toAny()
		}
		return out
	case kindObject:
		out := make(map[string]any, len(n.members))
		for _, m := range n.members {
			out[m.key] = m.val.toAny()
		}
		return out
	}
	return nil
}

// parseDocument parses one JSON value, keeping member order. It rejects trailing data, duplicate
// keys (a schema that says one thing twice is a mistake, and which one wins differs between
// tools) and nesting deeper than maxSchemaDepth.
func parseDocument(data []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := parser{dec: dec}
	n, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the top-level value")
	}
	return n, nil
}

type parser struct {
	dec *json.Decoder
}

func (p *parser) value(ptr string, depth int) (*node, error) {
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("unexpected end of JSON input")
		}
		return nil, err
	}
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull}, nil
	case bool:
		return &node{kind: kindBool, boolean: t}, nil
	case json.Number:
		return &node{kind: kindNumber, str: t.String()}, nil
	case string:
		return &node{kind: kindString, str: t}, nil
	case json.Delim:
		if depth >= maxSchemaDepth {
			return nil, fmt.Errorf("at %s: nested deeper than %d levels", displayPointer(ptr), maxSchemaDepth)
		}
		if t == '[' {
			return p.array(ptr, depth+1)
		}
		return p.object(ptr, depth+1)
	}
	return nil, fmt.Errorf("at %s: unexpected token %v", displayPointer(ptr), tok)
}

func (p *parser) array(ptr string, depth int) (*node, error) {
	n := &node{kind: kindArray}
	for p.dec.More() {
		it, err := p.value(fmt.Sprintf("%s/%d", ptr, len(n.items)), depth)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, it)
	}
	_, err := p.dec.Token() // ']'
	return n, err
}

func (p *parser) object(ptr string, depth int) (*node, error) {
	n := &node{kind: kindObject}
	seen := map[string]bool{}
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("at %s: object key is not a string", displayPointer(ptr))
		}
		if seen[key] {
			return nil, fmt.Errorf("at %s: duplicate key %q", displayPointer(ptr), key)
		}
		seen[key] = true
		val, err := p.value(ptr+"/"+escapeToken(key), depth)
		if err != nil {
			return nil, err
		}
		n.members = append(n.members, member{key: key, val: val})
	}
	_, err := p.dec.Token() // '}'
	return n, err
}

// resolveLocal follows a $ref that points into the same document ("#" or "#/json/pointer"). It
// returns nil for any other reference (anchors, other documents), which the walks then ignore.
func resolveLocal(root *node, ref string) (target *node, ptr string) {
	if ref != "#" && !strings.HasPrefix(ref, "#/") {
		return nil, ""
	}
	ptr = ref[1:]
	n := root
	if ptr == "" {
		return n, ptr
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = unescapeToken(tok)
		switch n.kind {
		case kindObject:
			n = n.get(tok)
		case kindArray:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.items) || strconv.Itoa(i) != tok {
				return nil, ""
			}
			n = n.items[i]
		default:
			return nil, ""
		}
		if n == nil {
			return nil, ""
		}
	}
	return n, ptr
}

// escapeToken escapes one JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func unescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}

// displayPointer writes the document root as "/" in messages, where an empty pointer would read
// as nothing.
func displayPointer(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}
