// Package fault defines ward's error type: a code that says what kind of failure it is, a message that is
// safe to show to clients, the request field at fault, and the wrapped cause, which is for logs only.
//
// Every layer returns *Error for failures a caller should tell apart; the transport maps the code to a
// Connect code. Errors of any other type are internal.
package fault

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an error. The zero value is Internal.
type Code uint8

// The codes mirror the subset of Connect/gRPC codes ward uses.
const (
	Internal Code = iota
	InvalidArgument
	NotFound
	AlreadyExists
	FailedPrecondition
	Aborted
	Unavailable
	ResourceExhausted
	Canceled
	DeadlineExceeded
)

var codeNames = [...]string{
	Internal:           "internal",
	InvalidArgument:    "invalid_argument",
	NotFound:           "not_found",
	AlreadyExists:      "already_exists",
	FailedPrecondition: "failed_precondition",
	Aborted:            "aborted",
	Unavailable:        "unavailable",
	ResourceExhausted:  "resource_exhausted",
	Canceled:           "canceled",
	DeadlineExceeded:   "deadline_exceeded",
}

func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("code(%d)", c)
}

// Error is a classified failure. Message is written for the client; Cause carries debugging detail
// that must not leave the server.
type Error struct {
	Code    Code
	Field   string // the request field at fault, if any, such as "tuples[3].subject"
	Message string
	Cause   error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Cause != nil {
		return msg + ": " + e.Cause.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Public returns the message a client may see: the field and the message, never the cause.
func (e *Error) Public() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// New returns an error with a code and a formatted client message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code, a client message and a cause.
func Wrap(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Cause: cause}
}

// Invalid returns an InvalidArgument error naming the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: InvalidArgument, Field: field, Message: fmt.Sprintf(format, args...)}
}

// InField returns a copy of err with its field prefixed by prefix ("tuples[2]" + "subject"), or err
// unchanged when it is not an *Error.
func InField(prefix string, err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	c := *e
	switch {
	case c.Field == "":
		c.Field = prefix
	case c.Field[0] == '[':
		c.Field = prefix + c.Field
	default:
		c.Field = prefix + "." + c.Field
	}
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, Canceled or DeadlineExceeded for context
// errors, and Internal otherwise.
func CodeOf(err error) Code {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Internal
}

// Bugf reports a violated invariant: something that cannot happen unless ward has a bug. It returns an
// Internal error; tests that hit it fail because the code is unexpected.
func Bugf(format string, args ...any) *Error {
	return &Error{Code: Internal, Message: "internal error", Cause: fmt.Errorf("BUG: "+format, args...)}
}
