package oauth2

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
)

// ErrorCode is an error code of RFC 6749 §4.1.2.1 and §5.2, RFC 7009, RFC 7662 or RFC 8628 §3.5: the
// `error` member of an error response.
type ErrorCode string

// The error codes ward returns.
const (
	CodeInvalidRequest          ErrorCode = "invalid_request"
	CodeInvalidClient           ErrorCode = "invalid_client"
	CodeInvalidGrant            ErrorCode = "invalid_grant"
	CodeUnauthorizedClient      ErrorCode = "unauthorized_client"
	CodeUnsupportedGrantType    ErrorCode = "unsupported_grant_type"
	CodeUnsupportedResponseType ErrorCode = "unsupported_response_type"
	CodeInvalidScope            ErrorCode = "invalid_scope"
	CodeAccessDenied            ErrorCode = "access_denied"
	CodeServerError             ErrorCode = "server_error"
	CodeTemporarilyUnavailable  ErrorCode = "temporarily_unavailable"
	CodeAuthorizationPending    ErrorCode = "authorization_pending" // RFC 8628
	CodeSlowDown                ErrorCode = "slow_down"             // RFC 8628
	CodeExpiredToken            ErrorCode = "expired_token"         // RFC 8628
)

// Error is an OAuth2 error response. Code, Description and URI are what the client sees, as the JSON
// object {"error", "error_description", "error_uri"} with HTTP status Status; Cause is debugging
// detail for the server's logs, never sent, like [fault.Error]'s.
//
// Build one with a constructor ([InvalidRequest], [InvalidClient], …), which sets the status the RFCs
// prescribe, and add a cause with [Error.WithCause].
type Error struct {
	Code        ErrorCode
	Description string // client-visible; only the characters RFC 6749 allows (see the constructors)
	URI         string // an error_uri for humans, or ""
	Status      int    // the HTTP status of the response
	// RetryAfter, when positive, is how long the client should wait before it tries again: the
	// endpoint sends it as Retry-After (whole seconds, rounded up).
	RetryAfter time.Duration
	Cause      error
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// WithCause sets the debugging detail and returns e.
func (e *Error) WithCause(cause error) *Error {
	e.Cause = cause
	return e
}

// Is reports whether target is an *Error with the same code, so that errors.Is(err, &Error{Code:
// CodeInvalidGrant}) tests the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// MarshalJSON writes the client-visible error object: `error`, and `error_description` and
// `error_uri` when set. The cause is never written.
func (e *Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Error       ErrorCode `json:"error"`
		Description string    `json:"error_description,omitempty"`
		URI         string    `json:"error_uri,omitempty"`
	}{e.Code, e.Description, e.URI})
}

func newError(code ErrorCode, status int, format string, args []any) *Error {
	return &Error{Code: code, Status: status, Description: sanitizeDescription(fmt.Sprintf(format, args...))}
}

// InvalidRequest (400): a parameter is missing, repeated, malformed or of an unsupported value.
func InvalidRequest(format string, args ...any) *Error {
	return newError(CodeInvalidRequest, http.StatusBadRequest, format, args)
}

// InvalidClient (401): client authentication failed. The endpoint adds a WWW-Authenticate header
// when the client tried HTTP Basic authentication (RFC 6749 §5.2).
func InvalidClient(format string, args ...any) *Error {
	return newError(CodeInvalidClient, http.StatusUnauthorized, format, args)
}

// InvalidGrant (400): the authorization code, refresh token, device code or PKCE verifier is
// invalid, expired, revoked, or issued to another client.
func InvalidGrant(format string, args ...any) *Error {
	return newError(CodeInvalidGrant, http.StatusBadRequest, format, args)
}

// UnauthorizedClient (400): the client may not use this grant type or response type.
func UnauthorizedClient(format string, args ...any) *Error {
	return newError(CodeUnauthorizedClient, http.StatusBadRequest, format, args)
}

// UnsupportedGrantType (400): the server does not know the grant type.
func UnsupportedGrantType(format string, args ...any) *Error {
	return newError(CodeUnsupportedGrantType, http.StatusBadRequest, format, args)
}

// UnsupportedResponseType (400): the server does not know the response type.
func UnsupportedResponseType(format string, args ...any) *Error {
	return newError(CodeUnsupportedResponseType, http.StatusBadRequest, format, args)
}

// InvalidScope (400): a requested scope is malformed, unknown, or not allowed to the client.
func InvalidScope(format string, args ...any) *Error {
	return newError(CodeInvalidScope, http.StatusBadRequest, format, args)
}

// AccessDenied (403): the resource owner or the server refused the request. At the authorization
// endpoint it travels in the redirect; at the token endpoint of the device grant it is a 400 (RFC
// 8628 §3.5), which the endpoint sets.
func AccessDenied(format string, args ...any) *Error {
	return newError(CodeAccessDenied, http.StatusForbidden, format, args)
}

// AuthorizationPending (400, RFC 8628): the user has not yet finished the device authorization.
func AuthorizationPending(format string, args ...any) *Error {
	return newError(CodeAuthorizationPending, http.StatusBadRequest, format, args)
}

// SlowDown (400, RFC 8628): the device polls too often and must add 5 seconds to its interval.
func SlowDown(format string, args ...any) *Error {
	return newError(CodeSlowDown, http.StatusBadRequest, format, args)
}

// ExpiredToken (400, RFC 8628): the device code has expired.
func ExpiredToken(format string, args ...any) *Error {
	return newError(CodeExpiredToken, http.StatusBadRequest, format, args)
}

// ServerError (500): the server failed; the cause says why, the client learns nothing more.
func ServerError(format string, args ...any) *Error {
	return newError(CodeServerError, http.StatusInternalServerError, format, args)
}

// TemporarilyUnavailable (503): the server cannot answer now; the client may retry.
func TemporarilyUnavailable(format string, args ...any) *Error {
	return newError(CodeTemporarilyUnavailable, http.StatusServiceUnavailable, format, args)
}

// TooManyRequests (429, temporarily_unavailable): a limiter refused the request; the client may
// retry after retryAfter. RFC 6749 has no code of its own for this; temporarily_unavailable is its
// code for "retry later", which every client understands (slow_down is RFC 8628's, for device
// polling only).
func TooManyRequests(retryAfter time.Duration, format string, args ...any) *Error {
	e := newError(CodeTemporarilyUnavailable, http.StatusTooManyRequests, format, args)
	e.RetryAfter = retryAfter
	return e
}

// AsError returns the OAuth2 error for err: the first *Error in its chain; for a [fault.Error],
// invalid_request with its public message when it is InvalidArgument, temporarily_unavailable when
// it is Unavailable, ResourceExhausted or DeadlineExceeded, and server_error otherwise. The original
// error is kept as the cause. AsError(nil) is nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *fault.Error
	switch fault.CodeOf(err) {
	case fault.InvalidArgument:
		if errors.As(err, &fe) {
			return InvalidRequest("%s", fe.Public()).WithCause(err)
		}
	case fault.Unavailable, fault.ResourceExhausted, fault.DeadlineExceeded:
		return TemporarilyUnavailable("the server cannot answer now; retry later").WithCause(err)
	}
	return ServerError("the server failed to process the request").WithCause(err)
}

// sanitizeDescription makes s fit RFC 6749's error_description grammar (%x20-21 / %x23-5B / %x5D-7E):
// a double quote becomes a single one, a backslash a slash, and any other byte outside the range '?'.
func sanitizeDescription(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if !descriptionByte(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case descriptionByte(c):
			b.WriteByte(c)
		case c == '"':
			b.WriteByte('\'')
		case c == '\\':
			b.WriteByte('/')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func descriptionByte(c byte) bool {
	return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'
}
