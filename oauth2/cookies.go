package oauth2

import (
	"net/http"
	"time"
)

// hostCookiePrefix marks a cookie that browsers accept only when it is Secure, has Path=/ and no
// Domain (RFC 6265bis §4.1.3.2): no sibling subdomain and no plain-HTTP page can set or shadow it.
const hostCookiePrefix = "__Host-"

// cookieName is the name ward's cookie base has on the wire: with the __Host- prefix when the
// issuer is https, where the browser enforces what the prefix promises; plain on http (local
// development), where a browser would refuse a prefixed cookie.
func (p *Provider) cookieName(base string) string {
	if p.issuer.Scheme == "https" {
		return hostCookiePrefix + base
	}
	return base
}

// newCookie returns the browser cookie base with value: host-only, Path=/, HttpOnly, SameSite=Lax
// (the login and consent apps return to ward with top-level GETs), Secure on an https issuer.
// maxAge > 0 sets Max-Age, expires (when not zero) Expires.
func (p *Provider) newCookie(base, value string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name: p.cookieName(base), Value: value, Path: "/", HttpOnly: true,
		Secure: p.issuer.Scheme == "https", SameSite: http.SameSiteLaxMode,
		MaxAge: maxAge, Expires: expires,
	}
}

// deleteCookie returns the cookie that removes base; it carries the same attributes as the one
// that set it, or a browser would refuse a __Host- deletion.
func (p *Provider) deleteCookie(base string) *http.Cookie {
	c := p.newCookie(base, "", 0, time.Time{})
	c.MaxAge = -1
	return c
}
