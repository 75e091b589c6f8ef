package pages_test

import (
	"strings"

	"golang.org/x/net/html"
)

// The tests read the pages with an HTML parser, as a browser would, never by matching text.

// elements returns every element under n, in document order.
func elements(n *html.Node) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode {
			out = append(out, d)
		}
	}
	return out
}

// byTag returns the elements of tag under n.
func byTag(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for _, e := range elements(n) {
		if e.Data == tag {
			out = append(out, e)
		}
	}
	return out
}

// attr returns e's attribute key and whether it has it.
func attr(e *html.Node, key string) (string, bool) {
	for _, a := range e.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(e *html.Node, key string) string {
	v, _ := attr(e, key)
	return v
}

func hasClass(e *html.Node, class string) bool {
	return strings.Contains(" "+attrOr(e, "class")+" ", " "+class+" ")
}

// textOf returns the text under n, with runs of white space as one space.
func textOf(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// byID returns the element of id under n, or nil.
func byID(n *html.Node, id string) *html.Node {
	for _, e := range elements(n) {
		if attrOr(e, "id") == id {
			return e
		}
	}
	return nil
}

// controls returns the form controls under n a user sees, in document order: every input but
// hidden ones, every button, select and textarea.
func controls(n *html.Node) []*html.Node {
	var out []*html.Node
	for _, e := range elements(n) {
		switch e.Data {
		case "input":
			if attrOr(e, "type") != "hidden" {
				out = append(out, e)
			}
		case "button", "select", "textarea":
			out = append(out, e)
		}
	}
	return out
}
