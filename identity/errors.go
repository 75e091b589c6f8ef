package identity

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/schema"
)

// ErrInvalidCredentials is the answer to a password login with an unknown identifier or a wrong
// password alike: Kratos's message 4000006. It is an InvalidArgument fault.
var ErrInvalidCredentials = &fault.Error{
	Code:    fault.InvalidArgument,
	Message: "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.",
}

// ErrIdentityDisabled is the answer to a login of an inactive identity with its right password
// (Kratos's "The account is disabled."): only someone who knows the password learns the state.
// It is a FailedPrecondition fault.
var ErrIdentityDisabled = &fault.Error{Code: fault.FailedPrecondition, Message: "The account is disabled."}

// ErrNoActiveSession is the answer of whoami for a token that names no valid session: malformed,
// unknown, revoked, expired, or of an inactive identity. Kratos answers 401 with
// "No valid session credentials found in the request." It is a NotFound fault: the transport
// turns it into 401.
var ErrNoActiveSession = &fault.Error{Code: fault.NotFound, Message: "No valid session credentials found in the request."}

// Violation kinds beyond the schema keywords of [schema.Violation].
const (
	// KeywordPasswordPolicy marks a password policy violation; its Reason says which rule.
	KeywordPasswordPolicy = "password_policy"
	// KeywordRequest marks a field of the request itself (credentials, state, metadata, a patch)
	// that is malformed; Reason is the message.
	KeywordRequest = "request"
	// KeywordIdentifierMissing marks traits that name no login identifier, so that a
	// registration would make an identity nobody can log in as (Kratos's message 4000009).
	KeywordIdentifierMissing = "identifier_missing"
)

// Violation is one reason a write was refused: a traits value that fails its schema, a password
// that fails the policy, or a malformed field of the request.
type Violation struct {
	// Pointer is the RFC 6901 pointer of the value at fault: "/traits/email" for a trait (in
	// {"traits": …}, as Kratos reports them), "/password" for a password,
	// "/credentials/password/config/hashed_password", "/metadata_public", "/state", …
	Pointer string
	// Keyword is the schema keyword that failed ([schema.Violation.Keyword]),
	// KeywordPasswordPolicy or KeywordRequest.
	Keyword string
	// Reason names the password policy rule that failed (see [PolicyViolation]); "" otherwise.
	Reason string
	// Params are the values of Kratos's message context (min_length, actual_length, …).
	Params map[string]any
	// Message is Kratos's English text.
	Message string
}

// ValidationError is a write refused for what it holds, with every violation found. Through
// Unwrap it is an InvalidArgument fault naming the first violation's field, so [fault.CodeOf]
// classifies it. Nothing was stored.
type ValidationError struct {
	Violations []Violation
}

func (e *ValidationError) Error() string {
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		parts = append(parts, "#"+v.Pointer+": "+v.Message)
	}
	return "invalid identity: " + strings.Join(parts, "; ")
}

// Unwrap returns the InvalidArgument fault the violations amount to.
func (e *ValidationError) Unwrap() error {
	if len(e.Violations) == 0 {
		return fault.Invalid("", "invalid identity")
	}
	v := e.Violations[0]
	msg := v.Message
	if n := len(e.Violations) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more)", n)
	}
	return fault.Invalid(fieldOf(v.Pointer), "%s", msg)
}

// fieldOf turns a pointer into the dotted field name fault errors carry: "/traits/email" →
// "traits.email".
func fieldOf(ptr string) string {
	return strings.ReplaceAll(strings.TrimPrefix(ptr, "/"), "/", ".")
}

// invalid returns a ValidationError of one malformed request field.
func invalid(ptr, format string, args ...any) *ValidationError {
	msg := fmt.Sprintf(format, args...)
	return &ValidationError{Violations: []Violation{{
		Pointer: ptr, Keyword: KeywordRequest, Params: map[string]any{"reason": msg}, Message: msg,
	}}}
}

// fromSchemaError turns the schema registry's error into a ValidationError, keeping other
// errors (an unknown schema, a cancelled context) as they are.
func fromSchemaError(err error) error {
	var se *schema.ValidationError
	if !errors.As(err, &se) {
		if fault.CodeOf(err) == fault.InvalidArgument {
			return invalid("/schema_id", "%s", publicMessage(err))
		}
		return err
	}
	out := &ValidationError{Violations: make([]Violation, 0, len(se.Violations))}
	for _, v := range se.Violations {
		out.Violations = append(out.Violations, Violation{Pointer: v.Pointer, Keyword: v.Keyword, Params: v.Params, Message: v.Message})
	}
	return out
}

// publicMessage is the client-visible text of err.
func publicMessage(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Public()
	}
	return err.Error()
}

// DuplicateError is a write refused because a unique value belongs to another identity. Kratos
// shows a taken identifier as message 4000007 ("An account with the same identifier (email,
// phone, username, ...) exists already."), or 4000028 naming it. Through Unwrap it is an
// AlreadyExists fault on Field.
type DuplicateError struct {
	// Field is what is taken: "id", "external_id", "credentials.TYPE.identifiers",
	// "verifiable_addresses" or "recovery_addresses" (as [store.IdentityConflict] says).
	Field string
	// Value is the value taken: the identifier, the external ID, or an address as "via:value".
	Value string
	// CredentialType is the credential type of a taken identifier; "" otherwise.
	CredentialType string
}

func (e *DuplicateError) Error() string { return e.Field + " " + e.Value + " is taken" }

// Unwrap returns the AlreadyExists fault.
func (e *DuplicateError) Unwrap() error {
	msg := "This identity conflicts with another identity that already exists."
	if e.CredentialType != "" {
		msg = "An account with the same identifier (email, phone, username, ...) exists already."
	}
	return &fault.Error{Code: fault.AlreadyExists, Field: e.Field, Message: msg}
}

// RateLimitError is an attempt refused by a limiter. Through Unwrap it is a ResourceExhausted
// fault; the transport answers 429 with Retry-After.
type RateLimitError struct {
	// RetryAfter is how long until the limiter would let the attempt through.
	RetryAfter time.Duration
	// What is the limited action: "login" or "registration".
	What string
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many %s attempts; retry in %s", e.What, e.RetryAfter.Round(time.Second))
}

// Unwrap returns the ResourceExhausted fault.
func (e *RateLimitError) Unwrap() error {
	return fault.New(fault.ResourceExhausted, "too many %s attempts; retry later", e.What)
}

// RetryAfter returns the retry-after duration of a *RateLimitError in err's chain, and whether
// there is one.
func RetryAfter(err error) (time.Duration, bool) {
	var re *RateLimitError
	if errors.As(err, &re) {
		return re.RetryAfter, true
	}
	return 0, false
}
