package ui

// Names of the nodes Kratos's second-factor and passwordless methods add; the sort orders place them.
const (
	TOTPCode      = "totp_code"
	TOTPSecretKey = "totp_secret_key"
	TOTPQR        = "totp_qr"
	TOTPUnlink    = "totp_unlink"

	LookupReveal     = "lookup_secret_reveal"
	LookupRegenerate = "lookup_secret_regenerate"
	LookupDisable    = "lookup_secret_disable"
	LookupCodes      = "lookup_secret_codes"
	LookupConfirm    = "lookup_secret_confirm"
	LookupCodeEnter  = "lookup_secret"

	ProfileChooseCredentials = "profile_choose_credentials"

	WebAuthnRegisterTrigger     = "webauthn_register_trigger"
	WebAuthnRegister            = "webauthn_register"
	WebAuthnLogin               = "webauthn_login"
	WebAuthnLoginTrigger        = "webauthn_login_trigger"
	WebAuthnRegisterDisplayName = "webauthn_register_displayname"
	WebAuthnRemove              = "webauthn_remove"
	WebAuthnScript              = "webauthn_script"

	PasskeyRegisterTrigger  = "passkey_register_trigger"
	PasskeyRegister         = "passkey_register"
	PasskeySettingsRegister = "passkey_settings_register"
	PasskeyCreateData       = "passkey_create_data"
	PasskeyLogin            = "passkey_login"
	PasskeyChallenge        = "passkey_challenge"
	PasskeyLoginTrigger     = "passkey_login_trigger"
	PasskeyRemove           = "passkey_remove"
)
