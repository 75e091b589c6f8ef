package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wardhq/ward/fault"
)

// The error IDs of Kratos v1.3.1 (text/message_error.go): UIs and SDKs switch on them.
const (
	ErrIDNeedsPrivilegedSession = "session_refresh_required"
	ErrIDFlowExpired            = "self_service_flow_expired"
	ErrIDAlreadyLoggedIn        = "session_already_available"
	ErrIDSessionRequiredForAAL  = "session_aal1_required"
	ErrIDHigherAALRequired      = "session_aal2_required"
	ErrIDNoActiveSession        = "session_inactive"
	ErrIDReturnToForbidden      = "self_service_flow_return_to_forbidden"
	ErrIDInitiatedBySomeoneElse = "security_identity_mismatch"
	ErrIDCSRF                   = "security_csrf_violation"
)

// herodot's and Kratos's short descriptions of the errors, written as "message".
const (
	errorMessageGone             = "The requested resource is no longer available because it has expired or is otherwise invalid."
	errorMessageBadRequest       = "The request was malformed or contained invalid parameters"
	errorMessageForbidden        = "The requested action was forbidden"
	errorMessageNotFound         = "The requested resource could not be found"
	errorMessageConflict         = "The resource could not be created due to a conflict"
	errorMessageCSRF             = "the request was rejected to protect you from Cross-Site-Request-Forgery"
	errorMessageAALNotSatisfied  = "Session does not fulfill the requested Authenticator Assurance Level"
	errorMessageAlreadyLoggedIn  = "you are already logged in"
	errorMessageNoActiveSession  = "request does not have a valid authentication session"
	errorMessageAAL1Required     = "aal2 and aal3 can only be requested if a session exists already"
	errorMessageFlowExpiredShort = "self-service flow expired"
)

// shape is which of Kratos's error bodies an [Error] encodes as; the zero value is the plain
// {"error": {…}}.
type shape uint8

const (
	// shapeExpired is {"error", "expired_at", "since", "use_flow_id"}: a submission of an
	// expired flow, answered with its replacement.
	shapeExpired shape = iota + 1
	// shapeRedirect is {"error", "redirect_browser_to"}.
	shapeRedirect
)

// Error is one of Kratos's error answers: the JSON body {"error": {"id", "code", "status",
// "reason", "details", "message"}} of an HTTP status (Code), and for some errors members beside
// "error" (use_flow_id, expired_at, since, redirect_browser_to). The transport writes Code and
// the JSON of the Error; a browser that did not ask for JSON is sent to Redirect instead when it
// is set, as Kratos does.
//
// Error unwraps to a [fault.Error] whose code matches the HTTP status, and to its cause.
type Error struct {
	// ID is Kratos's error ID, such as "security_csrf_violation"; "" for errors that have none.
	ID string
	// Code is the HTTP status.
	Code int
	// Reason says, for the user, what happened.
	Reason string
	// Message is the error's short description (herodot's "error" field, written as "message").
	Message string
	// Details are Kratos's details object; nil when none.
	Details map[string]any

	// UseFlowID is the flow that replaces the expired one the request named.
	UseFlowID string
	// ExpiredAt and Since say when the flow expired and how long ago (expired flows).
	ExpiredAt time.Time
	Since     time.Duration
	// RedirectBrowserTo is where the UI should send the browser next.
	RedirectBrowserTo string

	// Redirect is where the transport sends a browser (303) that did not ask for JSON, when it is
	// not "": not part of the JSON.
	Redirect string

	shape shape
	cause error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.ID != "" {
		msg = e.ID + ": " + msg
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	if e.cause != nil {
		msg += ": " + e.cause.Error()
	}
	return msg
}

// Unwrap returns the fault the error amounts to and its cause.
func (e *Error) Unwrap() []error {
	f := &fault.Error{Code: faultCode(e.Code), Message: e.Reason}
	if f.Message == "" {
		f.Message = e.Message
	}
	if e.cause == nil {
		return []error{f}
	}
	return []error{f, e.cause}
}

func faultCode(status int) fault.Code {
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return fault.InvalidArgument
	case http.StatusNotFound:
		return fault.NotFound
	case http.StatusConflict:
		return fault.AlreadyExists
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusGone:
		return fault.FailedPrecondition
	case http.StatusTooManyRequests:
		return fault.ResourceExhausted
	}
	return fault.Internal
}

// genericError is the "error" member, as herodot writes it.
type genericError struct {
	ID      string         `json:"id,omitempty"`
	Code    int            `json:"code,omitempty"`
	Status  string         `json:"status,omitempty"`
	Reason  string         `json:"reason,omitempty"`
	Details map[string]any `json:"details,omitempty"`
	Message string         `json:"message"`
}

// MarshalJSON writes Kratos's body for the error.
func (e *Error) MarshalJSON() ([]byte, error) {
	g := genericError{ID: e.ID, Code: e.Code, Status: http.StatusText(e.Code), Reason: e.Reason, Details: e.Details, Message: e.Message}
	switch e.shape {
	case shapeExpired:
		return json.Marshal(struct {
			Error     genericError `json:"error"`
			ExpiredAt time.Time    `json:"expired_at"`
			Since     int64        `json:"since"`
			UseFlowID string       `json:"use_flow_id"`
		}{g, e.ExpiredAt.UTC(), int64(e.Since), e.UseFlowID})
	case shapeRedirect:
		return json.Marshal(struct {
			Error             genericError `json:"error"`
			RedirectBrowserTo string       `json:"redirect_browser_to"`
		}{g, e.RedirectBrowserTo})
	}
	return json.Marshal(struct {
		Error genericError `json:"error"`
	}{g})
}

// AsError returns the *Error in err's chain, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func newError(code int, message, reason string) *Error {
	return &Error{Code: code, Message: message, Reason: reason}
}

func (e *Error) withID(id string) *Error { e.ID = id; return e }

func (e *Error) withDetail(k string, v any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[k] = v
	return e
}

func (e *Error) withCause(err error) *Error { e.cause = err; return e }

func errBadRequest(format string, args ...any) *Error {
	return newError(http.StatusBadRequest, errorMessageBadRequest, fmt.Sprintf(format, args...))
}

func errForbidden(format string, args ...any) *Error {
	return newError(http.StatusForbidden, errorMessageForbidden, fmt.Sprintf(format, args...))
}

func errNotFound(format string, args ...any) *Error {
	return newError(http.StatusNotFound, errorMessageNotFound, fmt.Sprintf(format, args...))
}

// errFlowExpiredOnGet is the answer to fetching an expired flow: 410 with where to start
// another (Kratos's getLoginFlow and its siblings).
func errFlowExpiredOnGet(kind, restartURL string, browser bool, returnTo string) *Error {
	if browser {
		return newError(http.StatusGone, errorMessageGone,
			fmt.Sprintf("The %s flow has expired. Redirect the user to the %s flow init endpoint to initialize a new %s flow.", kind, kind, kind)).
			withID(ErrIDFlowExpired).withDetail("redirect_to", restartURL).withDetail("return_to", returnTo)
	}
	return newError(http.StatusGone, errorMessageGone,
		fmt.Sprintf("The %s flow has expired. Call the %s flow init API endpoint to initialize a new %s flow.", kind, kind, kind)).
		withID(ErrIDFlowExpired).withDetail("api", restartURL)
}

// errFlowExpiredOnSubmit is the answer to submitting an expired flow: 410 naming the flow that
// replaces it; a browser is sent to the replacement in the UI.
func errFlowExpiredOnSubmit(expiredAt, now time.Time, replacement, redirect string) *Error {
	since := now.Sub(expiredAt)
	e := newError(http.StatusGone, errorMessageFlowExpiredShort,
		fmt.Sprintf("The self-service flow expired %.2f minutes ago, initialize a new one.", since.Minutes())).
		withID(ErrIDFlowExpired)
	e.shape, e.ExpiredAt, e.Since, e.UseFlowID, e.Redirect = shapeExpired, expiredAt, since, replacement, redirect
	return e
}

// errNeedsPrivilegedSession is Kratos's answer to a sensitive settings change outside the
// privileged window: 403 with the login URL that refreshes the session; a browser goes there.
func errNeedsPrivilegedSession(loginURL string) *Error {
	e := newError(http.StatusForbidden, errorMessageForbidden,
		"The login session is too old and thus not allowed to update these fields. Please re-authenticate.").
		withID(ErrIDNeedsPrivilegedSession)
	e.shape, e.RedirectBrowserTo, e.Redirect = shapeRedirect, loginURL, loginURL
	return e
}

func errReturnToForbidden(returnTo string) *Error {
	return errBadRequest("Requested return_to URL %q is not allowed.", returnTo).withID(ErrIDReturnToForbidden)
}

func errAlreadyLoggedIn(reason string) *Error {
	return newError(http.StatusBadRequest, errorMessageAlreadyLoggedIn, reason).withID(ErrIDAlreadyLoggedIn)
}

func errNoActiveSession() *Error {
	return newError(http.StatusUnauthorized, errorMessageNoActiveSession, "No active session was found in this request.").
		withID(ErrIDNoActiveSession)
}

func errSessionRequiredForHigherAAL() *Error {
	return newError(http.StatusUnauthorized, errorMessageAAL1Required,
		"You can not requested a higher AAL (AAL2/AAL3) without an active session.").withID(ErrIDSessionRequiredForAAL)
}

// errAALNotSatisfied is Kratos's session_aal2_required: the session must reach aal2 first, at
// redirect (the aal2 login, or the settings UI for an identity without a second factor).
func errAALNotSatisfied(redirect string) *Error {
	e := &Error{
		ID: ErrIDHigherAALRequired, Code: http.StatusForbidden, Message: errorMessageAALNotSatisfied,
		Reason:  "An active session was found but it does not fulfill the requested Authenticator Assurance Level. Please verify yourself with a second factor to resolve this issue.",
		Details: map[string]any{"redirect_browser_to": redirect},
	}
	e.shape, e.RedirectBrowserTo = shapeRedirect, redirect
	return e
}

func errIdentityMismatch() *Error {
	return errForbidden("The request was made for another identity and has been blocked for security reasons.").
		withID(ErrIDInitiatedBySomeoneElse)
}

// flowTypeError is an error of a submission to a flow whose type is known, so that the transport
// answers it as Kratos does: JSON for an API flow whatever the request accepts, a redirect for a
// browser flow.
type flowTypeError struct {
	t   Type
	err error
}

func (e *flowTypeError) Error() string { return e.err.Error() }
func (e *flowTypeError) Unwrap() error { return e.err }

// inFlow marks err (nil stays nil) as an error of a flow of type t.
func inFlow(t Type, err error) error {
	if err == nil {
		return nil
	}
	return &flowTypeError{t: t, err: err}
}

// TypeOf returns the type of the flow a submission's error happened in; false when it happened
// before the flow was loaded (an unknown flow, a malformed ID), where only the request can tell
// a browser from an app.
func TypeOf(err error) (Type, bool) {
	var e *flowTypeError
	if errors.As(err, &e) {
		return e.t, true
	}
	return "", false
}
