package text

import (
	"fmt"
	"time"
)

// RecoverySuccessful says the account was recovered and how many minutes are left to change the
// password; the context carries the privileged session's end in Kratos's three spellings.
func RecoverySuccessful(privilegedSessionExpiresAt, now time.Time) Message {
	return Message{
		ID:   InfoSelfServiceRecoverySuccessful,
		Type: TypeSuccess,
		Text: fmt.Sprintf("You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next %.2f minutes.",
			privilegedSessionExpiresAt.Sub(now).Minutes()),
	}.withContext(map[string]any{
		"privilegedSessionExpiresAt":         privilegedSessionExpiresAt,
		"privileged_session_expires_at":      privilegedSessionExpiresAt,
		"privileged_session_expires_at_unix": privilegedSessionExpiresAt.Unix(),
	})
}

// RecoveryEmailSent says a recovery link was sent.
func RecoveryEmailSent() Message {
	return info(InfoSelfServiceRecoveryEmailSent,
		"An email containing a recovery link has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.")
}

// RecoveryEmailWithCodeSent says a recovery code was sent.
func RecoveryEmailWithCodeSent() Message {
	return info(InfoSelfServiceRecoveryEmailWithCodeSent,
		"An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with.")
}

// RecoveryFlowExpired says the recovery flow expired; the context carries expired_at and expired_at_unix.
func RecoveryFlowExpired(expiredAt, now time.Time) Message {
	return expired(ErrorValidationRecoveryFlowExpired, "recovery", expiredAt, now)
}

// RecoveryNoStrategyFound says no recovery method accepted the submitted form.
func RecoveryNoStrategyFound() Message {
	return failure(ErrorValidationRecoveryNoStrategyFound,
		"Could not find a strategy to recover your account with. Did you fill out the form correctly?")
}

// RecoveryTokenInvalidOrAlreadyUsed says the recovery link is wrong or spent.
func RecoveryTokenInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationRecoveryTokenInvalidOrAlreadyUsed,
		"The recovery token is invalid or has already been used. Please retry the flow.")
}

// RecoveryCodeInvalidOrAlreadyUsed says the recovery code is wrong or spent.
func RecoveryCodeInvalidOrAlreadyUsed() Message {
	return failure(ErrorValidationRecoveryCodeInvalidOrAlreadyUsed,
		"The recovery code is invalid or has already been used. Please try again.")
}

// RecoveryRetrySuccess says the recovery flow already succeeded.
func RecoveryRetrySuccess() Message {
	return failure(ErrorValidationRecoveryRetrySuccess, retrySuccess)
}

// RecoveryStateFailure says the recovery flow failed and must start again.
func RecoveryStateFailure() Message {
	return failure(ErrorValidationRecoveryStateFailure, "The recovery flow reached a failure state and must be retried.")
}
