package oauth2

import (
	"net/http"
	"net/url"
)

// Error codes of OpenID Connect Core §3.1.2.6 and OAuth 2.0 Multiple Response Types for
// authorization request features ward does not offer.
const (
	CodeUnsupportedResponseMode ErrorCode = "unsupported_response_mode"
	CodeRequestNotSupported     ErrorCode = "request_not_supported"
	CodeRequestURINotSupported  ErrorCode = "request_uri_not_supported"
)

// ResponseModeQuery is the only response mode ward answers with: the code travels in the
// redirect's query (the default of response_type=code).
const ResponseModeQuery = "query"

// checkUnsupportedParams refuses the authorization request parameters ward does not implement,
// so that a client relying on one learns it instead of having it silently ignored: an ignored
// response_mode=form_post would put the code in the query, an ignored request object would drop
// the parameters the client meant to protect.
func checkUnsupportedParams(q url.Values) *Error {
	if mode := q.Get("response_mode"); q.Has("response_mode") && mode != ResponseModeQuery {
		return newError(CodeUnsupportedResponseMode, http.StatusBadRequest,
			"response_mode %q is not supported; only %q is", []any{truncate(mode), ResponseModeQuery})
	}
	if q.Has("request") {
		return newError(CodeRequestNotSupported, http.StatusBadRequest,
			"request objects are not supported; send the parameters in the query", nil)
	}
	if q.Has("request_uri") {
		return newError(CodeRequestURINotSupported, http.StatusBadRequest,
			"request_uri is not supported; send the parameters in the query", nil)
	}
	return nil
}
