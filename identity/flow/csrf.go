package flow

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// CSRF protection of browser flows works as Kratos's (nosurf): each browser holds a random
// secret in a cookie (CSRFCookieName, set by the transport), and every browser flow carries in
// its csrf_token node that secret masked with a one-time pad of its own, so that the token in a
// page never repeats and reveals nothing about the cookie. A submission is accepted only when the
// token it carries unmasks to the cookie's secret.

// CSRFCookieName is the name of the cookie that holds the browser's CSRF secret, as Kratos names
// it (Kratos appends a hash of the cookie path when one is configured).
const CSRFCookieName = "csrf_token"

// CSRFHeaderName is the header that may carry the CSRF token instead of the body.
const CSRFHeaderName = "X-CSRF-Token"

const csrfTokenLength = 32

// NewCSRFSecret returns a new browser CSRF secret, the value of the CSRF cookie.
func NewCSRFSecret() string {
	b := make([]byte, csrfTokenLength)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.StdEncoding.EncodeToString(b)
}

// ValidCSRFSecret says whether s is a CSRF secret: the transport issues a new one when the
// browser's cookie is missing or not one.
func ValidCSRFSecret(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(b) == csrfTokenLength
}

// maskCSRF returns the token a form carries for secret: a random pad and the secret XORed with
// it, base64. "" when secret is not a CSRF secret.
func maskCSRF(secret string) string {
	real, err := base64.StdEncoding.DecodeString(secret)
	if err != nil || len(real) != csrfTokenLength {
		return ""
	}
	out := make([]byte, 2*csrfTokenLength)
	_, _ = rand.Read(out[:csrfTokenLength])
	for i := range csrfTokenLength {
		out[csrfTokenLength+i] = real[i] ^ out[i]
	}
	return base64.StdEncoding.EncodeToString(out)
}

// unmaskCSRF returns the secret a token stands for: a masked token is unmasked, an unmasked one
// (32 bytes) taken as it is; nil when it is neither.
func unmaskCSRF(token string) []byte {
	b, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return nil
	}
	switch len(b) {
	case csrfTokenLength:
		return b
	case 2 * csrfTokenLength:
		out := make([]byte, csrfTokenLength)
		for i := range csrfTokenLength {
			out[i] = b[i] ^ b[csrfTokenLength+i]
		}
		return out
	}
	return nil
}

// CheckCSRF says whether submitted, a token from a form or the X-CSRF-Token header, belongs to
// the browser whose CSRF cookie holds cookie. Both may be masked or not, as nosurf accepts; the
// comparison takes constant time.
func CheckCSRF(cookie, submitted string) bool {
	a, b := unmaskCSRF(cookie), unmaskCSRF(submitted)
	if a == nil || b == nil {
		return false
	}
	return subtle.ConstantTimeCompare(a, b) == 1
}

// The explanations Kratos adds to a CSRF refusal (x/nosurf.go).
const (
	csrfReasonNoCookie      = "The HTTP Cookie Header is empty or not set."
	csrfReasonCookieMissing = "The HTTP Cookie Header was set but did not include the anti-CSRF cookie."
	csrfReasonTokenNotSent  = "The anti-CSRF cookie was found but the CSRF token was not included in the HTTP request body (csrf_token) nor in the HTTP Header (X-CSRF-Token)."
	csrfReasonTokenMismatch = "The HTTP Cookie Header was set and a CSRF token was sent but they do not match. We recommend deleting all cookies for this domain and retrying the flow."
	csrfHintAJAX            = "We detected an AJAX call, please ensure that CORS is enabled and configured correctly, and that your AJAX code sends cookies and has credentials enabled. For further debugging, check your Browser's Network Tab to see what cookies are included or excluded."
	csrfHintServer          = "We detected a regular browser or server-side call. To debug browser calls check your Browser's Network Tab to see what cookies are included or excluded. If you are calling from a server ensure that the appropriate cookies are being forwarded and that the SDK method is called correctly."
)

// errCSRF is Kratos's security_csrf_violation, with the hint and reject_reason details Kratos
// picks from the request (x.CSRFErrorReason). Kratos calls a request without an Origin header
// "AJAX"; ward keeps that choice, since UIs show these texts.
func errCSRF(h http.Header, cookie, submitted string) *Error {
	e := errForbidden("Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.").
		withID(ErrIDCSRF).withDetail("docs", "https://www.ory.sh/kratos/docs/debug/csrf")
	e.Message = errorMessageCSRF
	ajax := h.Get("Origin") == ""
	hint := csrfHintServer
	if ajax {
		hint = csrfHintAJAX
	}
	switch {
	case h.Get("Cookie") == "":
		e.withDetail("hint", hint).withDetail("reject_reason", csrfReasonNoCookie)
	case cookie == "":
		e.withDetail("hint", hint).withDetail("reject_reason", csrfReasonCookieMissing)
	case submitted == "":
		e.withDetail("hint", csrfReasonTokenNotSent)
	default:
		e.withDetail("hint", csrfHintAJAX).withDetail("reject_reason", csrfReasonTokenMismatch)
	}
	return e
}

// CheckAPIRequest is Kratos's rule for submissions of API flows (flow.EnsureCSRF): they come from
// native apps, which hold no cookies and send no Origin, so a request that carries an Origin
// header or any cookie but Cloudflare's (__cf*, _cf*, cf_*) is a browser's, and refused, since
// API flows have no CSRF protection. The error is a 400 *Error.
func CheckAPIRequest(h http.Header) error {
	if h.Get("Origin") != "" {
		return errBadRequest(`The HTTP Request Header included the "Origin" key, indicating that this request was made as part of an AJAX request in a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.`)
	}
	var names []string
	for _, c := range (&http.Request{Header: h}).Cookies() {
		if !strings.HasPrefix(c.Name, "__cf") && !strings.HasPrefix(c.Name, "_cf") && !strings.HasPrefix(c.Name, "cf_") {
			names = append(names, c.Name)
		}
	}
	if len(names) > 0 {
		return errBadRequest(`The HTTP Request Header included the "Cookie" key, indicating that this request was made by a Browser. The flow however was initiated as an API request. To prevent potential misuse and mitigate several attack vectors including CSRF, the request has been blocked. Please consult the documentation.`).
			withDetail("found cookies", names)
	}
	return nil
}
