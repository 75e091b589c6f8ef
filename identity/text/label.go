package text

// LabelID labels the identifier input when the identity schema names no title for it: "ID".
func LabelID() Message { return info(InfoNodeLabelID, "ID") }

// LabelPassword labels a password input: "Password".
func LabelPassword() Message { return info(InfoNodeLabelInputPassword, "Password") }

// LabelEmail labels an email input: "Email".
func LabelEmail() Message { return info(InfoNodeLabelEmail, "Email") }

// LabelGenerated labels an input with the title the identity schema gives its field; the context
// carries it as title.
func LabelGenerated(title string) Message {
	return info(InfoNodeLabelGenerated, title).withContext(map[string]any{"title": title})
}

// LabelSave labels the settings flow's submit buttons: "Save".
func LabelSave() Message { return info(InfoNodeLabelSave, "Save") }

// LabelSubmit labels a generic submit button: "Submit".
func LabelSubmit() Message { return info(InfoNodeLabelSubmit, "Submit") }

// LabelContinue labels a button that moves a flow on: "Continue".
func LabelContinue() Message { return info(InfoNodeLabelContinue, "Continue") }

// LabelVerifyOTP labels the button that checks a one-time code.
func LabelVerifyOTP() Message { return info(InfoNodeLabelVerifyOTP, "Verify code") }

// LabelResendOTP labels the button that sends a one-time code again.
func LabelResendOTP() Message { return info(InfoNodeLabelResendOTP, "Resend code") }

// LabelRecoveryCode labels the recovery code input.
func LabelRecoveryCode() Message { return info(InfoNodeLabelRecoveryCode, "Recovery code") }

// LabelVerificationCode labels the verification code input.
func LabelVerificationCode() Message { return info(InfoNodeLabelVerificationCode, "Verification code") }

// LabelRegistrationCode labels the sign-up code input.
func LabelRegistrationCode() Message { return info(InfoNodeLabelRegistrationCode, "Registration code") }

// LabelLoginCode labels the sign-in code input.
func LabelLoginCode() Message { return info(InfoNodeLabelLoginCode, "Login code") }

// LabelLoginAndLinkCredential labels the button that signs in and links a credential.
func LabelLoginAndLinkCredential() Message {
	return info(InfoNodeLabelLoginAndLinkCredential, "Login and link credential")
}

// CaptchaRequired asks the user to solve the captcha before the form is accepted.
func CaptchaRequired() Message {
	return info(InfoNodeLabelCaptcha, "Please complete the captcha challenge to continue.")
}
