package password

import (
	"fmt"

	"github.com/wardhq/ward/fault"
)

// Reason says which rule a password broke.
type Reason string

// The reasons of a [PolicyError], each with the Kratos message (text ID, in text/id.go of Kratos
// v1.3.1) that the Kratos-shaped API answers with, and the context that message carries.
const (
	// ReasonTooShort: 4000032 ErrorValidationPasswordMinLength, context min_length, actual_length.
	ReasonTooShort Reason = "too_short"
	// ReasonTooLong: 4000033 ErrorValidationPasswordMaxLength, context max_length, actual_length.
	ReasonTooLong Reason = "too_long"
	// ReasonTooSimilar: 4000031 ErrorValidationPasswordIdentifierTooSimilar, no context.
	ReasonTooSimilar Reason = "too_similar"
	// ReasonCommon: 4000034 ErrorValidationPasswordTooManyBreaches, Kratos's answer to the check the
	// bundled list replaces (Have I Been Pwned). Kratos's context has the breach count, which a list
	// does not know; ward leaves it out.
	ReasonCommon Reason = "common"
)

// Kratos text IDs of the password policy messages (4000005 is the generic policy violation, whose
// family these are).
const (
	TextIDPasswordPolicyViolation = 4000005
	TextIDPasswordTooSimilar      = 4000031
	TextIDPasswordMinLength       = 4000032
	TextIDPasswordMaxLength       = 4000033
	TextIDPasswordTooManyBreaches = 4000034
)

// PolicyError is a password that a [Policy] refuses, or that a [Hasher] cannot take. It names the
// rule and the numbers Kratos's message for it carries; it never holds the password. It unwraps to
// an InvalidArgument [fault.Error] on field "password", so [fault.CodeOf] classifies it.
type PolicyError struct {
	Reason       Reason
	MinLength    int // ReasonTooShort
	MaxLength    int // ReasonTooLong
	ActualLength int // ReasonTooShort, ReasonTooLong: the password's length in bytes
}

// Error returns Kratos's English message for the reason.
func (e *PolicyError) Error() string {
	switch e.Reason {
	case ReasonTooShort:
		return fmt.Sprintf("The password must be at least %d characters long, but got %d.", e.MinLength, e.ActualLength)
	case ReasonTooLong:
		return fmt.Sprintf("The password must be at most %d characters long, but got %d.", e.MaxLength, e.ActualLength)
	case ReasonTooSimilar:
		return "The password can not be used because it is too similar to the identifier."
	case ReasonCommon:
		return "The password has been found in data breaches and must no longer be used."
	}
	return "The password can not be used."
}

// TextID returns the Kratos text ID of the reason's message.
func (e *PolicyError) TextID() int {
	switch e.Reason {
	case ReasonTooShort:
		return TextIDPasswordMinLength
	case ReasonTooLong:
		return TextIDPasswordMaxLength
	case ReasonTooSimilar:
		return TextIDPasswordTooSimilar
	case ReasonCommon:
		return TextIDPasswordTooManyBreaches
	}
	return TextIDPasswordPolicyViolation
}

// Context returns the message context Kratos sends with the reason's message, or nil for none.
func (e *PolicyError) Context() map[string]any {
	switch e.Reason {
	case ReasonTooShort:
		return map[string]any{"min_length": e.MinLength, "actual_length": e.ActualLength}
	case ReasonTooLong:
		return map[string]any{"max_length": e.MaxLength, "actual_length": e.ActualLength}
	}
	return nil
}

// Unwrap returns the error as an InvalidArgument fault on "password".
func (e *PolicyError) Unwrap() error {
	return &fault.Error{Code: fault.InvalidArgument, Field: "password", Message: e.Error()}
}
