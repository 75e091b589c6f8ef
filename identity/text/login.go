package text

import (
	"fmt"
	"time"
)

// LoginSignIn is the label of the password method's submit button: "Sign in".
func LoginSignIn() Message { return info(InfoSelfServiceLogin, "Sign in") }

// LoginWithPassword labels the password method's button when several methods are offered.
func LoginWithPassword() Message { return info(InfoSelfServiceLoginPassword, "Sign in with password") }

// LoginWith labels a social sign-in button; the context carries provider and provider_id.
func LoginWith(provider, providerID string) Message {
	return info(InfoSelfServiceLoginWith, "Sign in with "+provider).
		withContext(map[string]any{"provider": provider, "provider_id": providerID})
}

// LoginWithAndLink labels a social button that signs in and links the account: "Confirm with {provider}".
func LoginWithAndLink(provider string) Message {
	return info(InfoSelfServiceLoginWithAndLink, "Confirm with "+provider).
		withContext(map[string]any{"provider": provider})
}

// LoginReAuth asks a signed-in user to confirm who they are, for a refresh login.
func LoginReAuth() Message {
	return info(InfoSelfServiceLoginReAuth, "Please confirm this action by verifying that it is you.")
}

// LoginMFA asks for the second factor.
func LoginMFA() Message {
	return info(InfoSelfServiceLoginMFA, "Please complete the second authentication challenge.")
}

// LoginVerify labels the second factor's submit button: "Verify".
func LoginVerify() Message { return info(InfoSelfServiceLoginVerify, "Verify") }

// LoginTOTPLabel labels the TOTP code input.
func LoginTOTPLabel() Message { return info(InfoSelfServiceLoginTOTPLabel, "Authentication code") }

// LoginTOTP labels the button that picks the authenticator app.
func LoginTOTP() Message { return info(InfoLoginTOTP, "Use Authenticator") }

// LoginLookupLabel labels the recovery code input.
func LoginLookupLabel() Message { return info(InfoLoginLookupLabel, "Backup recovery code") }

// LoginLookup labels the button that picks a recovery code.
func LoginLookup() Message { return info(InfoLoginLookup, "Use backup recovery code") }

// LoginWebAuthn labels the security-key sign-in button.
func LoginWebAuthn() Message { return info(InfoSelfServiceLoginWebAuthn, "Sign in with hardware key") }

// LoginContinueWebAuthn labels the button that continues a security-key sign-in.
func LoginContinueWebAuthn() Message {
	return info(InfoSelfServiceLoginContinueWebAuthn, "Sign in with hardware key")
}

// LoginWebAuthnPasswordless asks the user to ready their security key.
func LoginWebAuthnPasswordless() Message {
	return info(InfoSelfServiceLoginWebAuthnPasswordless,
		"Prepare your WebAuthn device (e.g. security key, biometrics scanner, ...) and press continue.")
}

// LoginPasskey labels the passkey sign-in button.
func LoginPasskey() Message { return info(InfoSelfServiceLoginPasskey, "Sign in with passkey") }

// LoginContinue labels the identifier-first step's button: "Continue".
func LoginContinue() Message { return info(InfoSelfServiceLoginContinue, "Continue") }

// LoginCode labels the button that sends a sign-in code.
func LoginCode() Message { return info(InfoSelfServiceLoginCode, "Send sign in code") }

// LoginCodeMFA labels the button that sends a code as the second factor.
func LoginCodeMFA() Message { return info(InfoSelfServiceLoginCodeMFA, "Request code to continue") }

// LoginAAL2CodeAddress labels the button that sends a second-factor code to one address; the context
// carries address and channel ("email", "sms").
func LoginAAL2CodeAddress(channel, address string) Message {
	return info(InfoSelfServiceLoginAAL2CodeAddress, "Send code to "+address).
		withContext(map[string]any{"address": address, "channel": channel})
}

// LoginEmailWithCodeSent says a sign-in code was sent.
func LoginEmailWithCodeSent() Message {
	return info(InfoSelfServiceLoginEmailWithCodeSent,
		"An email containing a code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and retry the login.")
}

// LoginAndLink labels the button that signs in and links a credential.
func LoginAndLink() Message { return info(InfoSelfServiceLoginAndLink, "Sign in and link") }

// LoginLink explains that a social sign-in hit an address another account uses, and how to link it.
// The context carries both Kratos's old camel-case keys and its snake-case ones, as Kratos does.
func LoginLink(duplicateIdentifier, provider, newLoginURL string, availableCredentialTypes, availableProviders []string) Message {
	return info(InfoSelfServiceLoginLink, fmt.Sprintf(
		"You tried to sign in with %q, but that email is already used by another account. Sign in to your account with one of the options below to add your account %[1]q at %q as another way to sign in.",
		duplicateIdentifier, provider)).
		withContext(map[string]any{
			"duplicateIdentifier":        duplicateIdentifier,
			"provider":                   provider,
			"newLoginUrl":                newLoginURL,
			"duplicate_identifier":       duplicateIdentifier,
			"new_login_url":              newLoginURL,
			"available_credential_types": availableCredentialTypes,
			"available_providers":        availableProviders,
		})
}

// LoginFlowExpired says the login flow expired; the context carries expired_at and expired_at_unix.
func LoginFlowExpired(expiredAt, now time.Time) Message {
	return expired(ErrorValidationLoginFlowExpired, "login", expiredAt, now)
}

// LoginNoStrategyFound says no login method accepted the submitted form.
func LoginNoStrategyFound() Message {
	return failure(ErrorValidationLoginNoStrategyFound,
		"Could not find a strategy to log you in with. Did you fill out the form correctly?")
}

// LoginRetrySuccess says the login flow already succeeded and cannot be submitted again.
func LoginRetrySuccess() Message { return failure(ErrorValidationLoginRetrySuccess, retrySuccess) }

// LoginCodeInvalidOrAlreadyUsed says the sign-in code is wrong or spent.
func LoginCodeInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationLoginCodeInvalidOrAlreadyUsed,
		"The login code is invalid or has already been used. Please try again.")
}

// LoginLinkedCredentialsDoNotMatch says the credentials to link belong to another account.
func LoginLinkedCredentialsDoNotMatch() Message {
	return failure(ErrorValidationLoginLinkedCredentialsDoNotMatch, "Linked credentials do not match.")
}

// LoginAddressUnknown says the address is not one of the account's.
func LoginAddressUnknown() Message {
	return failure(ErrorValidationLoginAddressUnknown,
		"The address you entered does not match any known addresses in the current account.")
}
