package courier

// The template types, as Kratos v1.3.1 names them (courier/template/type.go). A type is a
// message's purpose and whether the address it goes to is known ("valid") or not ("invalid").
const (
	RecoveryValid           = "recovery_valid"
	RecoveryInvalid         = "recovery_invalid"
	RecoveryCodeValid       = "recovery_code_valid"
	RecoveryCodeInvalid     = "recovery_code_invalid"
	VerificationValid       = "verification_valid"
	VerificationInvalid     = "verification_invalid"
	VerificationCodeValid   = "verification_code_valid"
	VerificationCodeInvalid = "verification_code_invalid"
	LoginCodeValid          = "login_code_valid"
	RegistrationCodeValid   = "registration_code_valid"
)

// TemplateTypes returns every template type, in Kratos's order.
func TemplateTypes() []string {
	return []string{RecoveryValid, RecoveryInvalid, RecoveryCodeValid, RecoveryCodeInvalid,
		VerificationValid, VerificationInvalid, VerificationCodeValid, VerificationCodeInvalid,
		LoginCodeValid, RegistrationCodeValid}
}

// TemplateSource is the text of one email template: Go templates for the subject, the plain
// text body and the HTML body.
type TemplateSource struct {
	Subject   string
	PlainText string
	HTML      string
}

// The built-in bodies of the messages to an address nobody registered.
const (
	unknownRecovery = `Hi,

you (or someone else) entered this email address when trying to recover access to an account.

However, this email address is not on our database of registered users and therefore the attempt has failed.

If this was you, check if you signed up using a different address.

If this was not you, please ignore this email.`
	unknownVerification = `Hi,

someone asked to verify this email address, but we were unable to find an account for this address.

If this was you, check if you signed up using a different address.

If this was not you, please ignore this email.`
)

// builtinTemplate returns the built-in template of type t, in the words of Kratos's built-in
// templates (courier/template/courier/builtin), and false for an unknown type. The data keys are
// those of Kratos's template models, so that a Kratos override template works unchanged: To,
// RecoveryURL, RecoveryCode, VerificationURL, VerificationCode, LoginCode, RegistrationCode,
// Identity, Traits, RequestURL, TransientPayload.
func builtinTemplate(t string) (TemplateSource, bool) {
	link := func(subject, intro, key string) TemplateSource {
		return TemplateSource{
			Subject:   subject,
			PlainText: "Hi,\n\n" + intro + " by clicking the following link:\n\n{{ ." + key + " }}\n",
			HTML:      "Hi,\n\n" + intro + " by clicking the following link:\n\n<a href=\"{{ ." + key + " }}\">{{ ." + key + " }}</a>\n",
		}
	}
	code := func(subject, intro, key string) TemplateSource {
		body := "Hi,\n\n" + intro + " by entering the following code:\n\n{{ ." + key + " }}\n"
		return TemplateSource{Subject: subject, PlainText: body, HTML: body}
	}
	switch t {
	case RecoveryValid:
		return link("Recover access to your account", "please recover access to your account", "RecoveryURL"), true
	case RecoveryCodeValid:
		return code("Recover access to your account", "please recover access to your account", "RecoveryCode"), true
	case RecoveryInvalid, RecoveryCodeInvalid:
		return TemplateSource{Subject: "Account access attempted", PlainText: unknownRecovery, HTML: unknownRecovery}, true
	case VerificationValid:
		return link("Please verify your email address", "please verify your account", "VerificationURL"), true
	case VerificationCodeValid:
		s := code("Please verify your email address", "please verify your account", "VerificationCode")
		s.PlainText += "\nor clicking the following link:\n\n{{ .VerificationURL }}\n"
		s.HTML += "\nor clicking the following link:\n\n<a href=\"{{ .VerificationURL }}\">{{ .VerificationURL }}</a>\n"
		return s, true
	case VerificationInvalid, VerificationCodeInvalid:
		return TemplateSource{Subject: "Someone tried to verify this email address", PlainText: unknownVerification, HTML: unknownVerification}, true
	case LoginCodeValid:
		return code("Login to your account", "please login to your account", "LoginCode"), true
	case RegistrationCodeValid:
		return code("Complete your account registration", "please complete your account registration", "RegistrationCode"), true
	}
	return TemplateSource{}, false
}
