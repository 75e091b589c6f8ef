package schema

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// CredentialType names a Kratos credential type whose identifiers come from traits.
type CredentialType string

// The credential types the extension names identifiers for.
const (
	CredentialPassword CredentialType = "password"
	CredentialWebAuthn CredentialType = "webauthn"
	CredentialCode     CredentialType = "code"
)

// Address is a channel and a value: a verifiable address, a recovery address, or where a
// one-time code goes.
type Address struct {
	Via   string // ViaEmail or ViaSMS
	Value string
}

// Extracted is what the "ory.sh/kratos" extension says about one traits document. Values are
// in the form Kratos stores them:
//
//   - password, webauthn and email code identifiers are trimmed and lower-cased, whatever the
//     trait's format (Kratos lower-cases them in the extension and trims them when it saves);
//   - code identifiers sent by SMS are in E.164 form ("+4917667111638");
//   - verifiable and recovery addresses are trimmed and lower-cased (the extension folds email
//     addresses, the store folds all);
//   - the TOTP account name and the passkey display name are the trait's text as written.
//
// Empty values are left out, and each list holds a value once, in the order the schema lists
// the traits (array items in their order), except CodeAddresses, which Kratos sorts by value
// and channel.
type Extracted struct {
	// Identifiers holds the identifiers of each credential type that has any.
	Identifiers map[CredentialType][]string
	// CodeAddresses are where one-time login and registration codes go; their values are the
	// code identifiers.
	CodeAddresses []Address
	// VerifiableAddresses are the traits marked verification.via.
	VerifiableAddresses []Address
	// RecoveryAddresses are the traits marked recovery.via.
	RecoveryAddresses []Address
	// TOTPAccountName is the first trait marked totp.account_name; "" when none is set.
	TOTPAccountName string
	// PasskeyDisplayName is the first trait marked passkey.display_name or, failing that, the
	// first webauthn identifier, as Kratos names a new passkey.
	PasskeyDisplayName string
}

// plan is a schema location, reduced to what extraction needs: the extension keywords that
// apply to a value there, and where to look next. Only locations from which a keyword can be
// reached are kept.
type plan struct {
	exts  []*extension
	also  []*plan // $ref and allOf: more schemas for the same value
	props []planProp
	items *plan // for every item of an array
	// parents and live are used while the plan is built.
	parents []*plan
	live    bool
}

type planProp struct {
	name string
	next *plan
}

// buildPlan returns the plan of the traits schema, or nil when no extension keyword applies to
// any trait.
func buildPlan(root, traits *node, exts map[*node]*extension) *plan {
	if len(exts) == 0 {
		return nil
	}
	b := planBuilder{root: root, exts: exts, memo: map[*node]*plan{}}
	top := b.build(traits)
	// Mark every location from which a keyword can be reached, walking up from the keywords.
	var queue []*plan
	for _, p := range b.all {
		if len(p.exts) > 0 {
			p.live = true
			queue = append(queue, p)
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, parent := range p.parents {
			if !parent.live {
				parent.live = true
				queue = append(queue, parent)
			}
		}
	}
	for _, p := range b.all {
		p.parents = nil
		p.also = slices.DeleteFunc(p.also, func(c *plan) bool { return !c.live })
		p.props = slices.DeleteFunc(p.props, func(c planProp) bool { return !c.next.live })
		if p.items != nil && !p.items.live {
			p.items = nil
		}
	}
	if top == nil || !top.live {
		return nil
	}
	return top
}

type planBuilder struct {
	root *node
	exts map[*node]*extension
	memo map[*node]*plan
	all  []*plan
}

func (b *planBuilder) build(n *node) *plan {
	if n == nil || n.kind != kindObject {
		return nil
	}
	if p, ok := b.memo[n]; ok {
		return p
	}
	p := &plan{}
	b.memo[n] = p
	b.all = append(b.all, p)
	if e := b.exts[n]; e != nil {
		p.exts = append(p.exts, e)
	}
	link := func(child *plan) *plan {
		if child != nil {
			child.parents = append(child.parents, p)
		}
		return child
	}
	if ref, ok := n.stringAt("$ref"); ok {
		if target, _ := resolveLocal(b.root, ref); target != nil {
			if c := link(b.build(target)); c != nil {
				p.also = append(p.also, c)
			}
		}
	}
	if all := n.get("allOf"); all != nil && all.kind == kindArray {
		for _, sub := range all.items {
			if c := link(b.build(sub)); c != nil {
				p.also = append(p.also, c)
			}
		}
	}
	if props := n.get("properties"); props != nil && props.kind == kindObject {
		for _, m := range props.members {
			if c := link(b.build(m.val)); c != nil {
				p.props = append(p.props, planProp{name: m.key, next: c})
			}
		}
	}
	p.items = link(b.build(n.get("items")))
	return p
}

// location is an instance location built only when a violation needs it.
type location struct {
	parent *location
	token  string
}

func (l *location) pointer() string {
	if l == nil {
		return ""
	}
	return l.parent.pointer() + "/" + escapeToken(l.token)
}

// extractor walks a traits document along a plan.
type extractor struct {
	formats    formatCheckers // for the addresses the extension checks itself
	out        Extracted
	seen       map[string]bool // "kind\x00value" of what is already in out
	violations []Violation
}

func newExtractor(formats formatCheckers) *extractor {
	return &extractor{formats: formats, seen: map[string]bool{}}
}

// visit applies to v every schema in plans and what they reach through $ref and allOf, then
// goes down into v's members and items, once for each, with all the schemas that apply there.
// Visiting each value once keeps the work linear in the document even when a schema combines
// the same subschemas many ways.
func (x *extractor) visit(plans []*plan, v any, loc *location) {
	var group []*plan
	var gather func(p *plan)
	gather = func(p *plan) {
		if slices.Contains(group, p) {
			return
		}
		group = append(group, p)
		for _, a := range p.also {
			gather(a)
		}
	}
	for _, p := range plans {
		gather(p)
	}
	for _, g := range group {
		for _, e := range g.exts {
			x.apply(e, v, loc)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		var names []string
		next := map[string][]*plan{}
		for _, g := range group {
			for _, prop := range g.props {
				if _, ok := v[prop.name]; !ok {
					continue
				}
				if _, ok := next[prop.name]; !ok {
					names = append(names, prop.name)
				}
				next[prop.name] = append(next[prop.name], prop.next)
			}
		}
		for _, name := range names {
			x.visit(next[name], v[name], &location{parent: loc, token: name})
		}
	case []any:
		var items []*plan
		for _, g := range group {
			if g.items != nil {
				items = append(items, g.items)
			}
		}
		if len(items) == 0 {
			return
		}
		for i, item := range v {
			x.visit(items, item, &location{parent: loc, token: strconv.Itoa(i)})
		}
	}
}

// apply records what e says about the value v. Only strings (and numbers, by their literal, as
// Kratos prints them) can be identifiers or addresses.
func (x *extractor) apply(e *extension, v any, loc *location) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	default:
		return
	}
	folded := strings.ToLower(strings.TrimSpace(s))

	if e.passwordIdentifier {
		x.identifier(CredentialPassword, folded)
	}
	if e.webauthnIdentifier {
		x.identifier(CredentialWebAuthn, folded)
	}
	if e.passkeyDisplayName && x.out.PasskeyDisplayName == "" {
		x.out.PasskeyDisplayName = s
	}
	if e.totpAccountName && x.out.TOTPAccountName == "" {
		x.out.TOTPAccountName = s
	}
	if e.codeIdentifier {
		value := folded
		if e.codeVia == ViaSMS {
			phone, err := normalizePhone(s)
			if err != nil {
				x.violate(loc, KeywordFormat, err.Error())
				return
			}
			value = phone
		}
		if value != "" && x.once("code-address\x00"+e.codeVia+"\x00"+value) {
			x.out.CodeAddresses = append(x.out.CodeAddresses, Address{Via: e.codeVia, Value: value})
		}
	}
	if e.verificationVia != "" {
		// Without a format, Kratos checks an email address itself (the schema asserts nothing).
		if e.format == "" && !x.isEmail(s, loc) {
			return
		}
		x.address(&x.out.VerifiableAddresses, "verify", e.verificationVia, folded)
	}
	if e.recoveryVia == ViaEmail {
		// Kratos checks a recovery address is an email address whatever the schema says.
		if !x.isEmail(s, loc) {
			return
		}
		x.address(&x.out.RecoveryAddresses, "recover", e.recoveryVia, folded)
	}
}

func (x *extractor) isEmail(s string, loc *location) bool {
	if x.formats.check("email", s) {
		return true
	}
	x.violate(loc, KeywordFormat, formatMessage(s, "email"))
	return false
}

func (x *extractor) identifier(ct CredentialType, value string) {
	if value == "" || !x.once(string(ct)+"\x00"+value) {
		return
	}
	if x.out.Identifiers == nil {
		x.out.Identifiers = map[CredentialType][]string{}
	}
	x.out.Identifiers[ct] = append(x.out.Identifiers[ct], value)
}

func (x *extractor) address(list *[]Address, kind, via, value string) {
	if value != "" && x.once(kind+"\x00"+via+"\x00"+value) {
		*list = append(*list, Address{Via: via, Value: value})
	}
}

func (x *extractor) once(key string) bool {
	if x.seen[key] {
		return false
	}
	x.seen[key] = true
	return true
}

func (x *extractor) violate(loc *location, keyword, message string) {
	x.violations = append(x.violations, Violation{
		Pointer: loc.pointer(),
		Keyword: keyword,
		Params:  map[string]any{"reason": message},
		Message: message,
	})
}

// finish puts the result in Kratos's order and fills the fallbacks.
func (x *extractor) finish() *Extracted {
	out := &x.out
	slices.SortStableFunc(out.CodeAddresses, func(a, b Address) int {
		if c := strings.Compare(a.Value, b.Value); c != 0 {
			return c
		}
		return strings.Compare(a.Via, b.Via)
	})
	for _, a := range out.CodeAddresses {
		x.identifier(CredentialCode, a.Value)
	}
	if out.PasskeyDisplayName == "" {
		if ids := out.Identifiers[CredentialWebAuthn]; len(ids) > 0 {
			out.PasskeyDisplayName = ids[0]
		}
	}
	return out
}
