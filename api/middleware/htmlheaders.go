package middleware

import "net/http"

// pageCSP is the Content-Security-Policy of every response: ward's pages load nothing, and nothing
// may frame them (clickjacking of the consent and device pages); a JSON or redirect body needs no
// more. No form-action: Chromium applies it to every redirect that follows a form's submission,
// and the user code form's redirects go to the login app, on another origin.
const pageCSP = "default-src 'none'; frame-ancestors 'none'"

// SetBrowserHeaders sets the headers every response a browser may render carries, HTML pages and
// the HTML body of a redirect alike: no MIME sniffing (a JSON error must not become a script), no
// Referer (URLs here carry challenges, codes and state), and no framing (clickjacking of the
// consent and device pages), both by CSP frame-ancestors and by X-Frame-Options for older
// browsers.
func SetBrowserHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
}
