package schema

import (
	"fmt"
	"slices"
	"strings"
)

// ExtensionName is the schema keyword of Kratos's identity extension.
const ExtensionName = "ory.sh/kratos"

// Channels of verification, recovery and one-time codes.
const (
	ViaEmail = "email"
	ViaSMS   = "sms"
)

// extension is what one "ory.sh/kratos" keyword says about the trait whose schema holds it.
type extension struct {
	passwordIdentifier bool
	webauthnIdentifier bool
	passkeyDisplayName bool
	totpAccountName    bool
	codeIdentifier     bool
	codeVia            string
	verificationVia    string
	recoveryVia        string

	// format is the holding schema's "format", which decides how verification addresses are
	// checked and folded.
	format string
	// title is the holding schema's "title": the login form's identifier label.
	title string
}

// namesIdentifier reports whether the trait is one Kratos labels the login identifier with.
func (e *extension) namesIdentifier() bool {
	return e.passwordIdentifier || e.webauthnIdentifier || e.passkeyDisplayName || e.totpAccountName || e.codeIdentifier
}

// verificationFormats are the formats Kratos's identity meta-schema allows on a trait that is a
// verification address.
var verificationFormats = []string{"email", "tel", "date", "time", "date-time", "no-validate"}

// extensionShape is the grammar of the keyword, as Kratos's identity-extension meta-schema has
// it: every object closed, identifiers booleans, channels from a fixed list. A path maps to the
// child keys it allows (an object) or is absent (a leaf, in extensionLeaves).
var extensionShape = map[string][]string{
	"":                     {"credentials", "verification", "recovery"},
	"credentials":          {"password", "webauthn", "passkey", "totp", "code"},
	"credentials/password": {"identifier"},
	"credentials/webauthn": {"identifier"},
	"credentials/passkey":  {"display_name"},
	"credentials/totp":     {"account_name"},
	"credentials/code":     {"identifier", "via"},
	"verification":         {"via"},
	"recovery":             {"via"},
}

// leafSetter stores one leaf of the keyword; it returns the complaint when the value is wrong.
type leafSetter func(e *extension, v *node) string

func boolLeaf(field func(*extension) *bool) leafSetter {
	return func(e *extension, v *node) string {
		if v.kind != kindBool {
			return "must be true or false"
		}
		*field(e) = v.boolean
		return ""
	}
}

func channelLeaf(field func(*extension) *string, allowed ...string) leafSetter {
	return func(e *extension, v *node) string {
		if v.kind != kindString || !slices.Contains(allowed, v.str) {
			return "must be one of " + quoteList(allowed)
		}
		*field(e) = v.str
		return ""
	}
}

var extensionLeaves = map[string]leafSetter{
	"credentials/password/identifier":  boolLeaf(func(e *extension) *bool { return &e.passwordIdentifier }),
	"credentials/webauthn/identifier":  boolLeaf(func(e *extension) *bool { return &e.webauthnIdentifier }),
	"credentials/passkey/display_name": boolLeaf(func(e *extension) *bool { return &e.passkeyDisplayName }),
	"credentials/totp/account_name":    boolLeaf(func(e *extension) *bool { return &e.totpAccountName }),
	"credentials/code/identifier":      boolLeaf(func(e *extension) *bool { return &e.codeIdentifier }),
	"credentials/code/via":             channelLeaf(func(e *extension) *string { return &e.codeVia }, ViaEmail, ViaSMS),
	"verification/via":                 channelLeaf(func(e *extension) *string { return &e.verificationVia }, ViaEmail, ViaSMS),
	"recovery/via":                     channelLeaf(func(e *extension) *string { return &e.recoveryVia }, ViaEmail),
}

// parseExtension reads the keyword held by the schema object holder at ptr (a pointer into the
// schema document) and checks what Kratos would only find out when an identity is saved.
func parseExtension(holder *node, ptr string) (*extension, error) {
	e := &extension{}
	kwPtr := ptr + "/" + escapeToken(ExtensionName)
	if err := e.read(holder.get(ExtensionName), "", kwPtr); err != nil {
		return nil, err
	}
	e.format, _ = holder.stringAt("format")
	e.title, _ = holder.stringAt("title")

	if e.codeIdentifier && e.codeVia == "" {
		return nil, fmt.Errorf("%s: credentials.code.identifier needs credentials.code.via (%s)",
			kwPtr, quoteList([]string{ViaEmail, ViaSMS}))
	}
	if e.verificationVia != "" {
		_, hasFormat := holder.stringAt("format")
		switch {
		case hasFormat && !slices.Contains(verificationFormats, e.format):
			return nil, fmt.Errorf("%s: a verification address must have format %s, not %q",
				displayPointer(ptr), quoteList(verificationFormats), e.format)
		case !hasFormat && e.verificationVia != ViaEmail:
			return nil, fmt.Errorf("%s: verification via %q needs a format (\"tel\", or \"no-validate\" to check nothing)",
				displayPointer(ptr), e.verificationVia)
		}
	}
	return e, nil
}

func (e *extension) read(v *node, path, ptr string) error {
	if v.kind != kindObject {
		return fmt.Errorf("%s: must be an object", ptr)
	}
	allowed := extensionShape[path]
	for _, m := range v.members {
		childPath := m.key
		if path != "" {
			childPath = path + "/" + m.key
		}
		childPtr := ptr + "/" + escapeToken(m.key)
		if !slices.Contains(allowed, m.key) {
			return fmt.Errorf("%s: unknown key %q (allowed: %s)", ptr, m.key, quoteList(allowed))
		}
		if set, ok := extensionLeaves[childPath]; ok {
			if complaint := set(e, m.val); complaint != "" {
				return fmt.Errorf("%s: %s", childPtr, complaint)
			}
			continue
		}
		if err := e.read(m.val, childPath, childPtr); err != nil {
			return err
		}
	}
	return nil
}

// findExtensions parses every "ory.sh/kratos" keyword in the document, wherever it is, as
// Kratos's meta-schema checks them all; it returns them by the schema object that holds them.
func findExtensions(root *node) (map[*node]*extension, error) {
	found := map[*node]*extension{}
	var walk func(n *node, ptr string) error
	walk = func(n *node, ptr string) error {
		switch n.kind {
		case kindArray:
			for i, it := range n.items {
				if err := walk(it, fmt.Sprintf("%s/%d", ptr, i)); err != nil {
					return err
				}
			}
		case kindObject:
			if n.get(ExtensionName) != nil {
				e, err := parseExtension(n, ptr)
				if err != nil {
					return err
				}
				found[n] = e
			}
			for _, m := range n.members {
				if m.key == ExtensionName {
					continue
				}
				if err := walk(m.val, ptr+"/"+escapeToken(m.key)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(root, ""); err != nil {
		return nil, err
	}
	return found, nil
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
