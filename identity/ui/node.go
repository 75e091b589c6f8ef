package ui

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/wardhq/ward/identity/text"
)

// NodeType is the kind of element a node is; the JSON writes it both as the node's "type" and as its
// attributes' "node_type", the discriminator Ory's SDKs decode the attributes by.
type NodeType string

// The node types of Kratos.
const (
	NodeText     NodeType = "text"
	NodeInput    NodeType = "input"
	NodeImage    NodeType = "img"
	NodeAnchor   NodeType = "a"
	NodeScript   NodeType = "script"
	NodeDivision NodeType = "div"
)

// Group is the method a node belongs to; UIs render one section per group, and the default group
// holds what every method shares (the CSRF token, the identifier).
type Group string

// The groups of Kratos.
const (
	GroupDefault         Group = "default"
	GroupPassword        Group = "password"
	GroupOIDC            Group = "oidc"
	GroupProfile         Group = "profile"
	GroupLink            Group = "link"
	GroupCode            Group = "code"
	GroupTOTP            Group = "totp"
	GroupLookupSecret    Group = "lookup_secret"
	GroupWebAuthn        Group = "webauthn"
	GroupPasskey         Group = "passkey"
	GroupIdentifierFirst Group = "identifier_first"
	GroupCaptcha         Group = "captcha"
)

// Node is one element of a form. Its type is that of its attributes, so the two cannot disagree.
// Messages are the node's own (a validation error of the field); Meta.Label is the label a UI shows.
type Node struct {
	Group      Group
	Attributes Attributes
	Messages   text.Messages
	Meta       Meta
}

// Meta is what a UI may show beside a node.
type Meta struct {
	Label *text.Message `json:"label,omitempty"`
}

// Type returns the node's type, "" when it has no attributes.
func (n *Node) Type() NodeType {
	if n.Attributes == nil {
		return ""
	}
	return n.Attributes.NodeType()
}

// ID returns the node's name among its container's: an input's name, another node's id.
func (n *Node) ID() string {
	if n.Attributes == nil {
		return ""
	}
	return n.Attributes.NodeID()
}

// Input returns the node's input attributes, or nil when it is not an input.
func (n *Node) Input() *InputAttributes {
	a, _ := n.Attributes.(*InputAttributes)
	return a
}

// WithLabel sets the node's label and returns the node.
func (n *Node) WithLabel(label text.Message) *Node {
	n.Meta.Label = &label
	return n
}

// NewInput returns an input node.
func NewInput(name string, value any, group Group, typ InputType) *Node {
	return &Node{Group: group, Attributes: &InputAttributes{Name: name, Type: typ, Value: value}}
}

// NewText returns a text node that shows msg.
func NewText(id string, msg text.Message, group Group) *Node {
	return &Node{Group: group, Attributes: &TextAttributes{ID: id, Text: msg}}
}

// NewImage returns an image node.
func NewImage(id, src string, width, height int, group Group) *Node {
	return &Node{Group: group, Attributes: &ImageAttributes{ID: id, Src: src, Width: width, Height: height}}
}

// NewAnchor returns a link node.
func NewAnchor(id, href string, title text.Message, group Group) *Node {
	return &Node{Group: group, Attributes: &AnchorAttributes{ID: id, Href: href, Title: title}}
}

// NewScript returns a script node with Kratos's defaults: type text/javascript, async, no referrer,
// anonymous cross-origin requests. The nonce is the caller's, for its Content-Security-Policy.
func NewScript(id, src, integrity, nonce string, group Group) *Node {
	return &Node{Group: group, Attributes: &ScriptAttributes{
		ID:             id,
		Src:            src,
		Async:          true,
		ReferrerPolicy: "no-referrer",
		CrossOrigin:    "anonymous",
		Integrity:      integrity,
		Type:           "text/javascript",
		Nonce:          nonce,
	}}
}

// NewDivision returns a division node.
func NewDivision(id string, group Group) *Node {
	return &Node{Group: group, Attributes: &DivisionAttributes{ID: id}}
}

// CSRFTokenName is the name of the hidden input that carries the CSRF token.
const CSRFTokenName = "csrf_token"

// NewCSRF returns the hidden, required csrf_token input of the default group.
func NewCSRF(token string) *Node {
	return &Node{Group: GroupDefault, Attributes: &InputAttributes{
		Name: CSRFTokenName, Type: InputTypeHidden, Value: token, Required: true,
	}}
}

// wireNode is a node as JSON has it.
type wireNode struct {
	Type       NodeType        `json:"type"`
	Group      Group           `json:"group"`
	Attributes json.RawMessage `json:"attributes"`
	Messages   text.Messages   `json:"messages"`
	Meta       Meta            `json:"meta"`
}

// MarshalJSON encodes the node as Kratos does: its type, and the same type again as the attributes'
// node_type; messages is [] and meta {} when empty, never omitted.
func (n Node) MarshalJSON() ([]byte, error) {
	if n.Attributes == nil {
		return nil, fmt.Errorf("ui: node of group %q has no attributes", n.Group)
	}
	attrs, err := json.Marshal(n.Attributes)
	if err != nil {
		return nil, fmt.Errorf("ui: %s node: %w", n.Type(), err)
	}
	if attrs[0] != '{' {
		return nil, fmt.Errorf("ui: %s node of group %q has nil attributes", n.Type(), n.Group)
	}
	return json.Marshal(wireNode{
		Type:       n.Type(),
		Group:      n.Group,
		Attributes: withNodeType(attrs, n.Type()),
		Messages:   n.Messages,
		Meta:       n.Meta,
	})
}

// withNodeType adds "node_type" as the first member of the JSON object attrs.
func withNodeType(attrs []byte, t NodeType) []byte {
	out := fmt.Appendf(nil, `{"node_type":%q`, t)
	if rest := attrs[1:]; !bytes.Equal(rest, []byte("}")) {
		out = append(out, ',')
		return append(out, rest...)
	}
	return append(out, '}')
}

// UnmarshalJSON decodes a node, picking its attributes' type by the node's type. It refuses an unknown
// type and attributes whose node_type names another. Numbers in an input's value stay [json.Number].
func (n *Node) UnmarshalJSON(b []byte) error {
	var w wireNode
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	var attrs Attributes
	switch w.Type {
	case NodeInput:
		attrs = new(InputAttributes)
	case NodeText:
		attrs = new(TextAttributes)
	case NodeImage:
		attrs = new(ImageAttributes)
	case NodeAnchor:
		attrs = new(AnchorAttributes)
	case NodeScript:
		attrs = new(ScriptAttributes)
	case NodeDivision:
		attrs = new(DivisionAttributes)
	default:
		return fmt.Errorf("ui: unknown node type %q", w.Type)
	}
	var tag struct {
		NodeType *NodeType `json:"node_type"`
	}
	if raw := bytes.TrimSpace(w.Attributes); len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &tag) != nil {
		return fmt.Errorf("ui: %s node has no attributes object", w.Type)
	}
	if tag.NodeType != nil && *tag.NodeType != w.Type {
		return fmt.Errorf("ui: %s node has attributes of node_type %q", w.Type, *tag.NodeType)
	}
	dec := json.NewDecoder(bytes.NewReader(w.Attributes))
	dec.UseNumber()
	if err := dec.Decode(attrs); err != nil {
		return fmt.Errorf("ui: %s node attributes: %w", w.Type, err)
	}
	*n = Node{Group: w.Group, Attributes: attrs, Messages: w.Messages, Meta: w.Meta}
	return nil
}
