package text

import (
	"fmt"
	"strings"
	"time"
)

// SettingsUpdateSuccess says the settings were saved; it is the one success message of the flow.
func SettingsUpdateSuccess() Message {
	return Message{ID: InfoSelfServiceSettingsUpdateSuccess, Text: "Your changes have been saved!", Type: TypeSuccess}
}

// SettingsFlowExpired says the settings flow expired; the context carries expired_at and expired_at_unix.
func SettingsFlowExpired(expiredAt, now time.Time) Message {
	return expired(ErrorValidationSettingsFlowExpired, "settings", expiredAt, now)
}

// SettingsNoStrategyFound says no settings method accepted the submitted form.
func SettingsNoStrategyFound() Message {
	return failure(ErrorValidationSettingsNoStrategyFound,
		"Could not find a strategy to update your settings. Did you fill out the form correctly?")
}

// SettingsLinkOIDC labels the button that links a social provider: "Link {provider}".
func SettingsLinkOIDC(provider string) Message {
	return info(InfoSelfServiceSettingsUpdateLinkOidc, "Link "+provider).
		withContext(map[string]any{"provider": provider})
}

// SettingsUnlinkOIDC labels the button that unlinks a social provider: "Unlink {provider}".
func SettingsUnlinkOIDC(provider string) Message {
	return info(InfoSelfServiceSettingsUpdateUnlinkOidc, "Unlink "+provider).
		withContext(map[string]any{"provider": provider})
}

// SettingsTOTPQRCode labels the authenticator app's QR code image.
func SettingsTOTPQRCode() Message {
	return info(InfoSelfServiceSettingsTOTPQRCode, "Authenticator app QR code")
}

// SettingsTOTPSecret shows the TOTP secret; the context carries it as secret.
func SettingsTOTPSecret(secret string) Message {
	return info(InfoSelfServiceSettingsTOTPSecret, secret).withContext(map[string]any{"secret": secret})
}

// SettingsTOTPSecretLabel labels the TOTP secret.
func SettingsTOTPSecretLabel() Message {
	return info(InfoSelfServiceSettingsTOTPSecretLabel,
		"This is your authenticator app secret. Use it if you can not scan the QR code.")
}

// SettingsUnlinkTOTP labels the button that removes the authenticator app.
func SettingsUnlinkTOTP() Message {
	return info(InfoSelfServiceSettingsUpdateUnlinkTOTP, "Unlink TOTP Authenticator App")
}

// SettingsRevealLookup labels the button that shows the recovery codes.
func SettingsRevealLookup() Message {
	return info(InfoSelfServiceSettingsRevealLookup, "Reveal backup recovery codes")
}

// SettingsRegenerateLookup labels the button that makes new recovery codes.
func SettingsRegenerateLookup() Message {
	return info(InfoSelfServiceSettingsRegenerateLookup, "Generate new backup recovery codes")
}

// SettingsDisableLookup labels the button that removes the recovery codes.
func SettingsDisableLookup() Message {
	return info(InfoSelfServiceSettingsDisableLookup, "Disable this method")
}

// SettingsLookupConfirm labels the button that confirms new recovery codes.
func SettingsLookupConfirm() Message {
	return info(InfoSelfServiceSettingsLookupConfirm, "Confirm backup recovery codes")
}

// SettingsLookupSecret shows one unused recovery code; the context carries it as secret.
func SettingsLookupSecret(secret string) Message {
	return info(InfoSelfServiceSettingsLookupSecret, secret).withContext(map[string]any{"secret": secret})
}

// SettingsLookupSecretUsed stands for a spent recovery code; the context carries used_at and used_at_unix.
func SettingsLookupSecretUsed(usedAt time.Time) Message {
	return info(InfoSelfServiceSettingsLookupSecretUsed, fmt.Sprintf("Secret was used at %s", usedAt)).
		withContext(map[string]any{"used_at": usedAt, "used_at_unix": usedAt.Unix()})
}

// SettingsLookupSecretList shows all recovery codes: the text joins shown (a code, or "used" for a
// spent one), and the context's secrets holds one [SettingsLookupSecret] or [SettingsLookupSecretUsed]
// message per code.
func SettingsLookupSecretList(shown []string, secrets []Message) Message {
	return info(InfoSelfServiceSettingsLookupSecretList, strings.Join(shown, ", ")).
		withContext(map[string]any{"secrets": Messages(secrets)})
}

// SettingsLookupSecretsLabel labels the list of recovery codes.
func SettingsLookupSecretsLabel() Message {
	return info(InfoSelfServiceSettingsLookupSecretLabel,
		"These are your back up recovery codes. Please keep them in a safe place!")
}

// SettingsRegisterWebAuthn labels the button that adds a security key.
func SettingsRegisterWebAuthn() Message {
	return info(InfoSelfServiceSettingsRegisterWebAuthn, "Add security key")
}

// SettingsWebAuthnDisplayName labels the input naming a new security key.
func SettingsWebAuthnDisplayName() Message {
	return info(InfoSelfServiceSettingsRegisterWebAuthnDisplayName, "Name of the security key")
}

// SettingsRemoveWebAuthn labels the button that removes a security key; the context carries
// display_name, added_at and added_at_unix.
func SettingsRemoveWebAuthn(name string, addedAt time.Time) Message {
	return removeKey(InfoSelfServiceSettingsRemoveWebAuthn, "security key", name, addedAt)
}

// SettingsRegisterPasskey labels the button that adds a passkey.
func SettingsRegisterPasskey() Message {
	return info(InfoSelfServiceSettingsRegisterPasskey, "Add passkey")
}

// SettingsRemovePasskey labels the button that removes a passkey; the context carries display_name,
// added_at and added_at_unix.
func SettingsRemovePasskey(name string, addedAt time.Time) Message {
	return removeKey(InfoSelfServiceSettingsRemovePasskey, "passkey", name, addedAt)
}

func removeKey(id ID, kind, name string, addedAt time.Time) Message {
	return info(id, fmt.Sprintf("Remove %s \"%s\"", kind, name)).
		withContext(map[string]any{"display_name": name, "added_at": addedAt, "added_at_unix": addedAt.Unix()})
}
