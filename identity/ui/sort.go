package ui

import (
	"slices"
	"strings"
)

// Order is how [Nodes.Sort] arranges a form, in Kratos's way:
//
//   - by group, in the order of Groups; groups Groups does not list come before all listed ones, in
//     the order they first appear (Kratos puts them first too, in no defined order);
//   - within a group, by the first of Keys that the node's name starts with (a prefix, so "traits"
//     places every trait); names no key matches come after all that match, and "method", the submit
//     buttons, comes last;
//   - then by the node's printed value (an input's value, "<nil>" when unset, a text's text, an
//     image's, link's or script's URL), so that social sign-in buttons are in the providers' order;
//   - nodes equal in all three keep their order.
type Order struct {
	Groups []Group
	Keys   []string
}

// Sort arranges the nodes by o. Nil entries go last.
func (ns Nodes) Sort(o Order) {
	method := len(o.Keys) + 1
	position := func(n *Node) int {
		id := n.ID()
		if id == "method" {
			return method
		}
		for i, k := range o.Keys {
			if strings.HasPrefix(id, k) {
				return i
			}
		}
		return len(o.Keys)
	}
	rank := groupRanks(ns, o.Groups)
	slices.SortStableFunc(ns, func(a, b *Node) int {
		if a == nil || b == nil {
			return boolCmp(a == nil, b == nil)
		}
		if c := rank[a.Group] - rank[b.Group]; c != 0 {
			return c
		}
		if c := position(a) - position(b); c != 0 {
			return c
		}
		return strings.Compare(sortValue(a), sortValue(b))
	})
}

func sortValue(n *Node) string {
	if n.Attributes == nil {
		return ""
	}
	return n.Attributes.sortValue()
}

// groupRanks numbers the groups of ns: first those order does not list, as they first appear, then
// those it lists, in its order.
func groupRanks(ns Nodes, order []Group) map[Group]int {
	rank := make(map[Group]int, len(order))
	unlisted := 0
	for _, n := range ns {
		if n != nil && !slices.Contains(order, n.Group) {
			if _, seen := rank[n.Group]; !seen {
				rank[n.Group] = unlisted
				unlisted++
			}
		}
	}
	for i, g := range order {
		if _, seen := rank[g]; !seen {
			rank[g] = unlisted + i
		}
	}
	return rank
}

// boolCmp orders false before true.
func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// LoginOrder is the order of Kratos's login form: the social buttons first, then the shared default
// group, the passwordless methods, and the password, TOTP and recovery-code methods; within them the
// CSRF token, the identifier, the password.
func LoginOrder() Order {
	return Order{
		Groups: []Group{GroupOIDC, GroupDefault, GroupWebAuthn, GroupPasskey, GroupCode, GroupPassword, GroupTOTP, GroupLookupSecret},
		Keys:   []string{CSRFTokenName, "identifier", "password"},
	}
}

// RegistrationOrder is the order of Kratos's registration form. schemaKeys are the leaf paths of the
// identity schema in the order the schema lists them ("traits.email", "traits.name.first"); the
// password comes right after the first of them, as Kratos places it.
func RegistrationOrder(schemaKeys []string) Order {
	keys := passwordAfterFirst(schemaKeys)
	keys = append(keys, WebAuthnRemove, WebAuthnRegisterDisplayName, WebAuthnRegister)
	return Order{
		Groups: []Group{GroupOIDC, GroupDefault, GroupWebAuthn, GroupPasskey, GroupCode, GroupPassword, GroupProfile},
		Keys:   keys,
	}
}

// SettingsOrder is the order of Kratos's settings form. schemaKeys are as for [RegistrationOrder].
func SettingsOrder(schemaKeys []string) Order {
	keys := slices.Clone(schemaKeys)
	keys = append(keys,
		LookupReveal, LookupRegenerate, LookupCodes, LookupConfirm,
		WebAuthnRemove, WebAuthnRegisterDisplayName, WebAuthnRegister,
		TOTPQR, TOTPSecretKey, TOTPUnlink, TOTPCode,
	)
	return Order{
		Groups: []Group{GroupDefault, GroupProfile, GroupPassword, GroupOIDC, GroupLookupSecret, GroupWebAuthn, GroupTOTP},
		Keys:   keys,
	}
}

// passwordAfterFirst returns a copy of keys with "password" inserted after the first key.
func passwordAfterFirst(keys []string) []string {
	if len(keys) == 0 {
		return []string{"password"}
	}
	out := make([]string, 0, len(keys)+1)
	out = append(out, keys[0], "password")
	return append(out, keys[1:]...)
}
