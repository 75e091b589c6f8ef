package text

import (
	"fmt"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

// ValidationGeneric reports a validation failure in the validator's own words; the context carries reason.
func ValidationGeneric(reason string) Message {
	return failure(ErrorValidationGeneric, reason).withContext(map[string]any{"reason": reason})
}

// Required says a required field is missing; the context carries property, the field's last name segment.
func Required(property string) Message {
	return failure(ErrorValidationRequired, fmt.Sprintf("Property %s is missing.", property)).
		withContext(map[string]any{"property": property})
}

// MinLength says a string is too short; the context carries min_length and actual_length.
func MinLength(minLength, actualLength int) Message {
	return failure(ErrorValidationMinLength, fmt.Sprintf("length must be >= %d, but got %d", minLength, actualLength)).
		withContext(map[string]any{"min_length": minLength, "actual_length": actualLength})
}

// MaxLength says a string is too long; the context carries max_length and actual_length.
func MaxLength(maxLength, actualLength int) Message {
	return failure(ErrorValidationMaxLength, fmt.Sprintf("length must be <= %d, but got %d", maxLength, actualLength)).
		withContext(map[string]any{"max_length": maxLength, "actual_length": actualLength})
}

// InvalidFormat says a string does not match the schema's pattern; the context carries pattern.
func InvalidFormat(pattern string) Message {
	return failure(ErrorValidationInvalidFormat, fmt.Sprintf("does not match pattern %q", pattern)).
		withContext(map[string]any{"pattern": pattern})
}

// Minimum says a number is below the minimum; the context carries minimum and actual.
func Minimum(minimum, actual float64) Message {
	return bound(ErrorValidationMinimum, "must be >= %v but found %v", "minimum", minimum, actual)
}

// ExclusiveMinimum says a number is not above the exclusive minimum; the context carries minimum and actual.
func ExclusiveMinimum(minimum, actual float64) Message {
	return bound(ErrorValidationExclusiveMinimum, "must be > %v but found %v", "minimum", minimum, actual)
}

// Maximum says a number is above the maximum; the context carries maximum and actual.
func Maximum(maximum, actual float64) Message {
	return bound(ErrorValidationMaximum, "must be <= %v but found %v", "maximum", maximum, actual)
}

// ExclusiveMaximum says a number is not below the exclusive maximum; the context carries maximum and actual.
func ExclusiveMaximum(maximum, actual float64) Message {
	return bound(ErrorValidationExclusiveMaximum, "must be < %v but found %v", "maximum", maximum, actual)
}

func bound(id ID, format, key string, limit, actual float64) Message {
	return failure(id, fmt.Sprintf(format, limit, actual)).withContext(map[string]any{key: limit, "actual": actual})
}

// MultipleOf says a number is not a multiple of base; the context carries base and actual.
func MultipleOf(base, actual float64) Message {
	return failure(ErrorValidationMultipleOf, fmt.Sprintf("%v not multipleOf %v", actual, base)).
		withContext(map[string]any{"base": base, "actual": actual})
}

// MaxItems says an array is too long; the context carries max_items and actual_items.
func MaxItems(maxItems, actualItems int) Message {
	return failure(ErrorValidationMaxItems, fmt.Sprintf("maximum %d items allowed, but found %d items", maxItems, actualItems)).
		withContext(map[string]any{"max_items": maxItems, "actual_items": actualItems})
}

// MinItems says an array is too short; the context carries min_items and actual_items.
func MinItems(minItems, actualItems int) Message {
	return failure(ErrorValidationMinItems, fmt.Sprintf("minimum %d items allowed, but found %d items", minItems, actualItems)).
		withContext(map[string]any{"min_items": minItems, "actual_items": actualItems})
}

// UniqueItems says two items of an array are equal; the context carries index_a and index_b.
func UniqueItems(indexA, indexB int) Message {
	return failure(ErrorValidationUniqueItems, fmt.Sprintf("items at index %d and %d are equal", indexA, indexB)).
		withContext(map[string]any{"index_a": indexA, "index_b": indexB})
}

// WrongType says a value has the wrong JSON type; the context carries allowed_types and actual_type.
func WrongType(allowedTypes []string, actualType string) Message {
	return failure(ErrorValidationWrongType, fmt.Sprintf("expected %s, but got %s", strings.Join(allowedTypes, " or "), actualType)).
		withContext(map[string]any{"allowed_types": allowedTypes, "actual_type": actualType})
}

// Const says a value differs from the schema's constant; the context carries expected.
func Const(expected any) Message {
	return failure(ErrorValidationConst, fmt.Sprintf("must be equal to constant %v", expected)).
		withContext(map[string]any{"expected": expected})
}

// ConstGeneric says a value differs from the schema's constant, which is not known.
func ConstGeneric() Message { return failure(ErrorValidationConstGeneric, "const failed") }

// PasswordPolicyViolation says the password was refused, for reason; the context carries reason.
func PasswordPolicyViolation(reason string) Message {
	return failure(ErrorValidationPasswordPolicyViolationGeneric, fmt.Sprintf("The password can not be used because %s.", reason)).
		withContext(map[string]any{"reason": reason})
}

// PasswordIdentifierTooSimilar says the password is too much like the identifier.
func PasswordIdentifierTooSimilar() Message {
	return failure(ErrorValidationPasswordIdentifierTooSimilar,
		"The password can not be used because it is too similar to the identifier.")
}

// PasswordMinLength says the password is too short; the context carries min_length and actual_length.
func PasswordMinLength(minLength, actualLength int) Message {
	return failure(ErrorValidationPasswordMinLength,
		fmt.Sprintf("The password must be at least %d characters long, but got %d.", minLength, actualLength)).
		withContext(map[string]any{"min_length": minLength, "actual_length": actualLength})
}

// PasswordMaxLength says the password is too long; the context carries max_length and actual_length.
func PasswordMaxLength(maxLength, actualLength int) Message {
	return failure(ErrorValidationPasswordMaxLength,
		fmt.Sprintf("The password must be at most %d characters long, but got %d.", maxLength, actualLength)).
		withContext(map[string]any{"max_length": maxLength, "actual_length": actualLength})
}

// PasswordTooManyBreaches says the password appears in known breaches; the context carries breaches.
func PasswordTooManyBreaches(breaches int64) Message {
	return failure(ErrorValidationPasswordTooManyBreaches,
		"The password has been found in data breaches and must no longer be used.").
		withContext(map[string]any{"breaches": breaches})
}

// InvalidCredentials says the identifier or the password is wrong, without saying which.
func InvalidCredentials() Message {
	return failure(ErrorValidationInvalidCredentials,
		"The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.")
}

// AccountNotFound says there is no such account or it has no way to sign in.
func AccountNotFound() Message {
	return failure(ErrorValidationAccountNotFound, "This account does not exist or has no login method configured.")
}

// DuplicateCredentials says another account already uses the identifier.
func DuplicateCredentials() Message {
	return failure(ErrorValidationDuplicateCredentials,
		"An account with the same identifier (email, phone, username, ...) exists already.")
}

// DuplicateCredentialsWithHints says another account already uses the identifier and how that account
// can sign in. The context carries available_credential_types, available_oidc_providers and
// credential_identifier_hint (the identifier, or "" when it must not be shown).
func DuplicateCredentialsWithHints(availableCredentialTypes, availableOIDCProviders []string, identifierHint string) Message {
	identifier := identifierHint
	if identifier == "" {
		identifier = "an email, phone, or username"
	}
	reason := fmt.Sprintf("You tried signing in with %s which is already in use by another account.", identifier)

	ways := make([]string, 0, len(availableCredentialTypes))
	for _, t := range availableCredentialTypes {
		if w := credentialWay(t); w != "" {
			ways = append(ways, w)
		}
	}
	if len(ways) == 0 {
		// An unknown credential type still tells the user more than nothing.
		ways = append(ways, availableCredentialTypes...)
	}
	if len(ways) > 1 {
		ways[len(ways)-1] = "or " + ways[len(ways)-1]
	}
	if len(ways) > 0 {
		reason += fmt.Sprintf(" You can sign in using %s.", strings.Join(ways, ", "))
	}

	if len(availableOIDCProviders) > 0 {
		title := cases.Title(language.English)
		providers := make([]string, len(availableOIDCProviders))
		for i, p := range availableOIDCProviders {
			providers[i] = title.String(p)
		}
		reason += fmt.Sprintf(" You can sign in using one of the following social sign in providers: %s.", strings.Join(providers, ", "))
	}

	return failure(ErrorValidationDuplicateCredentialsWithHints, reason).withContext(map[string]any{
		"available_credential_types": availableCredentialTypes,
		"available_oidc_providers":   availableOIDCProviders,
		"credential_identifier_hint": identifierHint,
	})
}

// credentialWay words a credential type for DuplicateCredentialsWithHints, or returns "" for a type it
// does not know.
func credentialWay(credentialType string) string {
	switch credentialType {
	case "password":
		return "your password"
	case "oidc":
		return "social sign in"
	case "webauthn":
		return "your passkey or a security key"
	case "passkey":
		return "your passkey"
	}
	return ""
}

// DuplicateCredentialsOnOIDCLink says a social sign-in hit an identifier another account uses.
func DuplicateCredentialsOnOIDCLink() Message {
	return failure(ErrorValidationDuplicateCredentialsOnOIDCLink,
		"An account with the same identifier (email, phone, username, ...) exists already. Please sign in to your existing account to link your social profile.")
}

// TOTPVerifierWrong says the authenticator code is wrong.
func TOTPVerifierWrong() Message {
	return failure(ErrorValidationTOTPVerifierWrong, "The provided authentication code is invalid, please try again.")
}

// LookupAlreadyUsed says the recovery code was spent.
func LookupAlreadyUsed() Message {
	return failure(ErrorValidationLookupAlreadyUsed, "This backup recovery code has already been used.")
}

// LookupInvalid says the recovery code is wrong.
func LookupInvalid() Message {
	return failure(ErrorValidationLookupInvalid, "The backup recovery code is not valid.")
}

// IdentifierMissing says the identity schema marks no trait as an identifier.
func IdentifierMissing() Message {
	return failure(ErrorValidationIdentifierMissing,
		"Could not find any login identifiers. Did you forget to set them? This could also be caused by a server misconfiguration.")
}

// AddressNotVerified says the account's address must be verified before signing in.
func AddressNotVerified() Message {
	return failure(ErrorValidationAddressNotVerified,
		"Account not active yet. Did you forget to verify your email address?")
}

// NoTOTPDevice says the account has no authenticator app.
func NoTOTPDevice() Message {
	return failure(ErrorValidationNoTOTPDevice, "You have no TOTP device set up.")
}

// NoLookup says the account has no recovery codes.
func NoLookup() Message {
	return failure(ErrorValidationNoLookup, "You have no backup recovery codes set up.")
}

// NoWebAuthnDevice says the account has no security key.
func NoWebAuthnDevice() Message {
	return failure(ErrorValidationNoWebAuthnDevice, "You have no WebAuthn device set up.")
}

// NoSuchWebAuthnUser says there is no account with a security key for the identifier.
func NoSuchWebAuthnUser() Message {
	return failure(ErrorValidationSuchNoWebAuthnUser, "This account does not exist or has no security key set up.")
}

// NoCodeUser says there is no account that signs in with a code for the identifier.
func NoCodeUser() Message {
	return failure(ErrorValidationNoCodeUser, "This account does not exist or has not setup sign in with code.")
}

// TraitsMismatch says the submitted traits differ from those the flow started with.
func TraitsMismatch() Message {
	return failure(ErrorValidationTraitsMismatch,
		"The provided traits do not match the traits previously associated with this flow.")
}

// CaptchaFailed says the captcha was not solved.
func CaptchaFailed() Message {
	return failure(ErrorValidationCaptchaError, "Captcha verification failed, please try again.")
}
