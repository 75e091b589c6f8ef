package oauth2

import "slices"

// DefaultIntrospectionScope is Config.IntrospectionScope's default.
const DefaultIntrospectionScope = "ward:introspect"

// MayIntrospect reports whether caller, an authenticated client, may learn what the introspected
// token in grants (RFC 7662 §2.1 leaves to the server which clients may ask about which tokens,
// and §4 warns against telling every client about every token): the tokens issued to it, the
// tokens whose audience names it (a resource server asking about the tokens meant for it), and
// every token when the client was registered with the introspection scope. An inactive answer
// tells nothing, so it is always allowed. The endpoints answer a refused question as for an
// inactive token, so that a client cannot tell a token it may not see from a dead one.
func (p *Provider) MayIntrospect(caller *Client, in Introspection) bool {
	if !in.Active || caller.ID == in.ClientID || slices.Contains(in.Audiences, caller.ID) {
		return true
	}
	scope := p.cfg.IntrospectionScope
	if scope == "" {
		scope = DefaultIntrospectionScope
	}
	return slices.Contains(caller.Scopes, scope)
}
