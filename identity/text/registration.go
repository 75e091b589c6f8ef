package text

import "time"

// RegistrationSignUp is the label of the password method's submit button: "Sign up".
func RegistrationSignUp() Message { return info(InfoSelfServiceRegistration, "Sign up") }

// RegistrationWith labels a social sign-up button; the context carries provider and provider_id.
func RegistrationWith(provider, providerID string) Message {
	return info(InfoSelfServiceRegistrationWith, "Sign up with "+provider).
		withContext(map[string]any{"provider": provider, "provider_id": providerID})
}

// RegistrationContinue labels the button of a two-step registration: "Continue".
func RegistrationContinue() Message { return info(InfoSelfServiceRegistrationContinue, "Continue") }

// RegistrationBack labels the button that returns to the first step: "Back".
func RegistrationBack() Message { return info(InfoSelfServiceRegistrationBack, "Back") }

// RegistrationChooseCredentials asks the user to pick a credential.
func RegistrationChooseCredentials() Message {
	return info(InfoSelfServiceRegistrationChooseCredentials,
		"Please choose a credential to authenticate yourself with.")
}

// RegistrationWebAuthn labels the security-key sign-up button.
func RegistrationWebAuthn() Message {
	return info(InfoSelfServiceRegistrationRegisterWebAuthn, "Sign up with security key")
}

// RegistrationPasskey labels the passkey sign-up button.
func RegistrationPasskey() Message {
	return info(InfoSelfServiceRegistrationRegisterPasskey, "Sign up with passkey")
}

// RegistrationCode labels the button that sends a sign-up code.
func RegistrationCode() Message {
	return info(InfoSelfServiceRegistrationRegisterCode, "Send sign up code")
}

// RegistrationEmailWithCodeSent says a sign-up code was sent.
func RegistrationEmailWithCodeSent() Message {
	return info(InfoSelfServiceRegistrationEmailWithCodeSent,
		"An email containing a code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and retry the registration.")
}

// RegistrationFlowExpired says the registration flow expired; the context carries expired_at and
// expired_at_unix.
func RegistrationFlowExpired(expiredAt, now time.Time) Message {
	return expired(ErrorValidationRegistrationFlowExpired, "registration", expiredAt, now)
}

// RegistrationNoStrategyFound says no registration method accepted the submitted form.
func RegistrationNoStrategyFound() Message {
	return failure(ErrorValidationRegistrationNoStrategyFound,
		"Could not find a strategy to sign you up with. Did you fill out the form correctly?")
}

// RegistrationRetrySuccess says the registration flow already succeeded.
func RegistrationRetrySuccess() Message {
	return failure(ErrorValidationRegistrationRetrySuccess, retrySuccess)
}

// RegistrationCodeInvalidOrAlreadyUsed says the sign-up code is wrong or spent.
func RegistrationCodeInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationRegistrationCodeInvalidOrAlreadyUsed,
		"The registration code is invalid or has already been used. Please try again.")
}
