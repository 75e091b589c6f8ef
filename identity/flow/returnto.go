package flow

import (
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/wardhq/ward/fault"
)

// returnPolicy decides where browsers may be sent after a flow, as Kratos's
// selfservice.allowed_return_urls with x.SecureRedirectTo: a return_to is allowed when its
// scheme equals an allowed URL's (ignoring case), its host equals the allowed host (ignoring
// case) or, for an allowed host "*.example.com", ends with ".example.com", and its path starts
// with the allowed path ("/" when empty). A relative return_to takes the scheme and host of the
// default return URL first. The public base URL's /self-service path is always allowed.
type returnPolicy struct {
	allowed []*url.URL
	def     *url.URL
}

// newReturnPolicy checks the configured allow-list. Where Kratos ignores an entry with a
// warning (not a URL, the host "*", a wildcard over a public suffix such as "*.com"), ward
// refuses the configuration.
func newReturnPolicy(public, def *url.URL, allowed []string) (*returnPolicy, error) {
	p := &returnPolicy{def: def}
	for i, raw := range allowed {
		field := fmt.Sprintf("selfservice.allowed_return_urls[%d]", i)
		u, err := url.ParseRequestURI(raw)
		if err != nil || u.Scheme == "" {
			return nil, fault.Invalid(field, "%q is not an absolute URL", raw)
		}
		if u.Host == "*" {
			return nil, fault.Invalid(field, "%q allows every host", raw)
		}
		if strings.HasPrefix(u.Host, "*") {
			suffix, icann := publicsuffix.PublicSuffix(u.Host)
			if !strings.HasPrefix(u.Host, "*.") || (icann && u.Host == "*."+suffix) {
				return nil, fault.Invalid(field, "%q allows every host under a public suffix", raw)
			}
		}
		p.allowed = append(p.allowed, u)
	}
	self := *public
	self.Path = strings.TrimSuffix(self.Path, "/") + "/self-service"
	p.allowed = append(p.allowed, &self)
	return p, nil
}

// resolve returns the URL that return_to stands for, or the default return URL when it is "".
// A return_to that is not allowed is Kratos's self_service_flow_return_to_forbidden.
func (p *returnPolicy) resolve(returnTo string) (*url.URL, error) {
	if returnTo == "" {
		return p.def, nil
	}
	u, err := url.Parse(returnTo)
	if err != nil {
		return nil, errBadRequest("Unable to parse the return_to query parameter as an URL: %s", err)
	}
	if u.Host == "" {
		u.Host = p.def.Host
	}
	if u.Scheme == "" {
		u.Scheme = p.def.Scheme
	}
	for _, a := range p.allowed {
		if strings.EqualFold(a.Scheme, u.Scheme) && hostAllowed(u.Host, a.Host) &&
			strings.HasPrefix(orSlash(u.Path), orSlash(a.Path)) {
			return u, nil
		}
	}
	return nil, errReturnToForbidden(u.String())
}

func hostAllowed(host, allowed string) bool {
	if strings.HasPrefix(allowed, "*") {
		return strings.HasSuffix(strings.ToLower(host), strings.ToLower(allowed[1:]))
	}
	return strings.EqualFold(host, allowed)
}

func orSlash(p string) string {
	if p == "" {
		return "/"
	}
	return p
}
