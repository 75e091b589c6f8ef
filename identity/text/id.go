package text

// ID identifies a message. UIs translate or restyle messages by switching on it, so every value is
// part of the public contract and equals Kratos's: the first digit is the kind (1 info, 4 validation
// error, 5 system error), the next two the flow (01 login, 02 logout, 03 MFA, 04 registration, 05
// settings, 06 recovery, 07 node labels, 08 verification), the rest a number within the flow.
type ID int

// Information about the login flow (1010xxx).
const (
	InfoSelfServiceLoginRoot                 ID = 1010000 + iota
	InfoSelfServiceLogin                        // "Sign in"
	InfoSelfServiceLoginWith                    // "Sign in with {provider}"
	InfoSelfServiceLoginReAuth                  // confirm it is you
	InfoSelfServiceLoginMFA                     // complete the second factor
	InfoSelfServiceLoginVerify                  // "Verify"
	InfoSelfServiceLoginTOTPLabel               // "Authentication code"
	InfoLoginLookupLabel                        // "Backup recovery code"
	InfoSelfServiceLoginWebAuthn                // "Sign in with hardware key"
	InfoLoginTOTP                               // "Use Authenticator"
	InfoLoginLookup                             // "Use backup recovery code"
	InfoSelfServiceLoginContinueWebAuthn        // "Sign in with hardware key"
	InfoSelfServiceLoginWebAuthnPasswordless    // prepare your WebAuthn device
	InfoSelfServiceLoginContinue                // "Continue"
	InfoSelfServiceLoginEmailWithCodeSent       // a login code was sent
	InfoSelfServiceLoginCode                    // "Send sign in code"
	InfoSelfServiceLoginLink                    // sign in to link a social account
	InfoSelfServiceLoginAndLink                 // "Sign in and link"
	InfoSelfServiceLoginWithAndLink             // "Confirm with {provider}"
	InfoSelfServiceLoginCodeMFA                 // "Request code to continue"
	InfoSelfServiceLoginCodeMFAHint
	InfoSelfServiceLoginPasskey         // "Sign in with passkey"
	InfoSelfServiceLoginPassword        // "Sign in with password"
	InfoSelfServiceLoginAAL2CodeAddress // "Send code to {address}"
)

// Information about the logout flow (1020xxx).
const (
	InfoSelfServiceLogout ID = 1020000 + iota
)

// Information about multi-factor authentication (1030xxx).
const (
	InfoSelfServiceMFA ID = 1030000 + iota
)

// Information about the registration flow (1040xxx).
const (
	InfoSelfServiceRegistrationRoot              ID = 1040000 + iota
	InfoSelfServiceRegistration                     // "Sign up"
	InfoSelfServiceRegistrationWith                 // "Sign up with {provider}"
	InfoSelfServiceRegistrationContinue             // "Continue"
	InfoSelfServiceRegistrationRegisterWebAuthn     // "Sign up with security key"
	InfoSelfServiceRegistrationEmailWithCodeSent    // a registration code was sent
	InfoSelfServiceRegistrationRegisterCode         // "Send sign up code"
	InfoSelfServiceRegistrationRegisterPasskey      // "Sign up with passkey"
	InfoSelfServiceRegistrationBack                 // "Back"
	InfoSelfServiceRegistrationChooseCredentials    // choose a credential
)

// Information about the settings flow (1050xxx).
const (
	InfoSelfServiceSettings                            ID = 1050000 + iota
	InfoSelfServiceSettingsUpdateSuccess                  // "Your changes have been saved!"
	InfoSelfServiceSettingsUpdateLinkOidc                 // "Link {provider}"
	InfoSelfServiceSettingsUpdateUnlinkOidc               // "Unlink {provider}"
	InfoSelfServiceSettingsUpdateUnlinkTOTP               // "Unlink TOTP Authenticator App"
	InfoSelfServiceSettingsTOTPQRCode                     // "Authenticator app QR code"
	InfoSelfServiceSettingsTOTPSecret                     // the TOTP secret itself
	InfoSelfServiceSettingsRevealLookup                   // "Reveal backup recovery codes"
	InfoSelfServiceSettingsRegenerateLookup               // "Generate new backup recovery codes"
	InfoSelfServiceSettingsLookupSecret                   // one recovery code
	InfoSelfServiceSettingsLookupSecretLabel              // keep the codes in a safe place
	InfoSelfServiceSettingsLookupConfirm                  // "Confirm backup recovery codes"
	InfoSelfServiceSettingsRegisterWebAuthn               // "Add security key"
	InfoSelfServiceSettingsRegisterWebAuthnDisplayName    // "Name of the security key"
	InfoSelfServiceSettingsLookupSecretUsed               // "Secret was used at {time}"
	InfoSelfServiceSettingsLookupSecretList               // the list of recovery codes
	InfoSelfServiceSettingsDisableLookup                  // "Disable this method"
	InfoSelfServiceSettingsTOTPSecretLabel                // use the secret if you cannot scan
	InfoSelfServiceSettingsRemoveWebAuthn                 // "Remove security key {name}"
	InfoSelfServiceSettingsRegisterPasskey                // "Add passkey"
	InfoSelfServiceSettingsRemovePasskey                  // "Remove passkey {name}"
)

// Information about the recovery flow (1060xxx).
const (
	InfoSelfServiceRecovery                  ID = 1060000 + iota
	InfoSelfServiceRecoverySuccessful           // account recovered
	InfoSelfServiceRecoveryEmailSent            // a recovery link was sent
	InfoSelfServiceRecoveryEmailWithCodeSent    // a recovery code was sent
)

// Labels of nodes (1070xxx).
const (
	InfoNodeLabel                       ID = 1070000 + iota
	InfoNodeLabelInputPassword             // "Password"
	InfoNodeLabelGenerated                 // a label taken from the identity schema's title
	InfoNodeLabelSave                      // "Save"
	InfoNodeLabelID                        // "ID"
	InfoNodeLabelSubmit                    // "Submit"
	InfoNodeLabelVerifyOTP                 // "Verify code"
	InfoNodeLabelEmail                     // "Email"
	InfoNodeLabelResendOTP                 // "Resend code"
	InfoNodeLabelContinue                  // "Continue"
	InfoNodeLabelRecoveryCode              // "Recovery code"
	InfoNodeLabelVerificationCode          // "Verification code"
	InfoNodeLabelRegistrationCode          // "Registration code"
	InfoNodeLabelLoginCode                 // "Login code"
	InfoNodeLabelLoginAndLinkCredential    // "Login and link credential"
	InfoNodeLabelCaptcha                   // complete the captcha
)

// Information about the verification flow (1080xxx).
const (
	InfoSelfServiceVerification                  ID = 1080000 + iota
	InfoSelfServiceVerificationEmailSent            // a verification link was sent
	InfoSelfServiceVerificationSuccessful           // address verified
	InfoSelfServiceVerificationEmailWithCodeSent    // a verification code was sent
)

// Validation errors of any flow (4000xxx), most of them about a field of the submitted form.
const (
	ErrorValidation                               ID = 4000000 + iota
	ErrorValidationGeneric                           // {reason}
	ErrorValidationRequired                          // "Property {property} is missing."
	ErrorValidationMinLength                         // too short
	ErrorValidationInvalidFormat                     // does not match a pattern
	ErrorValidationPasswordPolicyViolationGeneric    // password refused for {reason}
	ErrorValidationInvalidCredentials                // wrong identifier or password
	ErrorValidationDuplicateCredentials              // identifier taken
	ErrorValidationTOTPVerifierWrong                 // wrong TOTP code
	ErrorValidationIdentifierMissing                 // schema declares no identifier
	ErrorValidationAddressNotVerified                // address must be verified first
	ErrorValidationNoTOTPDevice                      // no TOTP device set up
	ErrorValidationLookupAlreadyUsed                 // recovery code already used
	ErrorValidationNoWebAuthnDevice                  // no WebAuthn device set up
	ErrorValidationNoLookup                          // no recovery codes set up
	ErrorValidationSuchNoWebAuthnUser                // no account with a security key
	ErrorValidationLookupInvalid                     // recovery code not valid
	ErrorValidationMaxLength                         // too long
	ErrorValidationMinimum                           // number too small
	ErrorValidationExclusiveMinimum                  // number not above the minimum
	ErrorValidationMaximum                           // number too large
	ErrorValidationExclusiveMaximum                  // number not below the maximum
	ErrorValidationMultipleOf                        // number not a multiple
	ErrorValidationMaxItems                          // too many items
	ErrorValidationMinItems                          // too few items
	ErrorValidationUniqueItems                       // items repeat
	ErrorValidationWrongType                         // wrong JSON type
	ErrorValidationDuplicateCredentialsOnOIDCLink    // identifier taken, sign in to link
	ErrorValidationDuplicateCredentialsWithHints     // identifier taken, with the ways to sign in
	ErrorValidationConst                             // not the constant
	ErrorValidationConstGeneric                      // "const failed"
	ErrorValidationPasswordIdentifierTooSimilar      // password too similar to the identifier
	ErrorValidationPasswordMinLength                 // password too short
	ErrorValidationPasswordMaxLength                 // password too long
	ErrorValidationPasswordTooManyBreaches           // password found in breaches
	ErrorValidationNoCodeUser                        // no account with sign-in by code
	ErrorValidationTraitsMismatch                    // traits differ from the flow's
	ErrorValidationAccountNotFound                   // no such account
	ErrorValidationCaptchaError                      // captcha failed
)

// Errors of the login flow (4010xxx); the "no strategy found" errors of the other flows live here too.
const (
	ErrorValidationLogin                            ID = 4010000 + iota
	ErrorValidationLoginFlowExpired                    // flow expired
	ErrorValidationLoginNoStrategyFound                // no method accepted the form
	ErrorValidationRegistrationNoStrategyFound         // no method accepted the form
	ErrorValidationSettingsNoStrategyFound             // no method accepted the form
	ErrorValidationRecoveryNoStrategyFound             // no method accepted the form
	ErrorValidationVerificationNoStrategyFound         // no method accepted the form
	ErrorValidationLoginRetrySuccess                   // already completed
	ErrorValidationLoginCodeInvalidOrAlreadyUsed       // bad login code
	ErrorValidationLoginLinkedCredentialsDoNotMatch    // linked credentials differ
	ErrorValidationLoginAddressUnknown                 // address not on the account
)

// Errors of the registration flow (4040xxx).
const (
	ErrorValidationRegistration                         ID = 4040000 + iota
	ErrorValidationRegistrationFlowExpired                 // flow expired
	ErrorValidationRegistrationRetrySuccess                // already completed
	ErrorValidationRegistrationCodeInvalidOrAlreadyUsed    // bad registration code
)

// Errors of the settings flow (4050xxx).
const (
	ErrorValidationSettings            ID = 4050000 + iota
	ErrorValidationSettingsFlowExpired    // flow expired
)

// Errors of the recovery flow (4060xxx).
const (
	ErrorValidationRecovery                          ID = 4060000 + iota
	ErrorValidationRecoveryRetrySuccess                 // already completed
	ErrorValidationRecoveryStateFailure                 // flow failed, retry
	ErrorValidationRecoveryMissingRecoveryToken         // no token in the request
	ErrorValidationRecoveryTokenInvalidOrAlreadyUsed    // bad recovery link
	ErrorValidationRecoveryFlowExpired                  // flow expired
	ErrorValidationRecoveryCodeInvalidOrAlreadyUsed     // bad recovery code
)

// Errors of the verification flow (4070xxx).
const (
	ErrorValidationVerification                          ID = 4070000 + iota
	ErrorValidationVerificationTokenInvalidOrAlreadyUsed    // bad verification link
	ErrorValidationVerificationRetrySuccess                 // already completed
	ErrorValidationVerificationStateFailure                 // flow failed, retry
	ErrorValidationVerificationMissingVerificationToken     // no token in the request
	ErrorValidationVerificationFlowExpired                  // flow expired
	ErrorValidationVerificationCodeInvalidOrAlreadyUsed     // bad verification code
)

// System errors (5000xxx).
const (
	ErrorSystem        ID = 5000000 + iota
	ErrorSystemGeneric    // {reason}
)
