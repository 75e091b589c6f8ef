package text

import "time"

// VerificationSuccessful says the address was verified.
func VerificationSuccessful() Message {
	return Message{ID: InfoSelfServiceVerificationSuccessful, Text: "You successfully verified your email address.", Type: TypeSuccess}
}

// VerificationEmailSent says a verification link was sent.
func VerificationEmailSent() Message {
	return info(InfoSelfServiceVerificationEmailSent,
		"An email containing a verification link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.")
}

// VerificationEmailWithCodeSent says a verification code was sent.
func VerificationEmailWithCodeSent() Message {
	return info(InfoSelfServiceVerificationEmailWithCodeSent,
		"An email containing a verification code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.")
}

// VerificationFlowExpired says the verification flow expired; the context carries expired_at and
// expired_at_unix.
func VerificationFlowExpired(expiredAt, now time.Time) Message {
	return expired(ErrorValidationVerificationFlowExpired, "verification", expiredAt, now)
}

// VerificationNoStrategyFound says no verification method accepted the submitted form.
func VerificationNoStrategyFound() Message {
	return failure(ErrorValidationVerificationNoStrategyFound,
		"Could not find a strategy to verify your account with. Did you fill out the form correctly?")
}

// VerificationTokenInvalidOrAlreadyUsed says the verification link is wrong or spent.
func VerificationTokenInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationVerificationTokenInvalidOrAlreadyUsed,
		"The verification token is invalid or has already been used. Please retry the flow.")
}

// VerificationCodeInvalidOrAlreadyUsed says the verification code is wrong or spent.
func VerificationCodeInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationVerificationCodeInvalidOrAlreadyUsed,
		"The verification code is invalid or has already been used. Please try again.")
}

// VerificationRetrySuccess says the verification flow already succeeded.
func VerificationRetrySuccess() Message {
	return failure(ErrorValidationVerificationRetrySuccess, retrySuccess)
}

// VerificationStateFailure says the verification flow failed and must start again.
func VerificationStateFailure() Message {
	return failure(ErrorValidationVerificationStateFailure,
		"The verification flow reached a failure state and must be retried.")
}
