package text_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"github.com/wardhq/ward/identity/text"
)

// kratosIDs is transcribed from Kratos v1.3.1's text/id.go, with the values written out. UIs switch
// on these numbers, so a change here is a break of the contract, never a refactoring. Kratos spells
// one name ErrorValidateionRegistrationRetrySuccess; ward corrects the spelling, not the value.
var kratosIDs = []struct {
	name string
	id   text.ID
	want int
}{
	{"InfoSelfServiceLoginRoot", text.InfoSelfServiceLoginRoot, 1010000},
	{"InfoSelfServiceLogin", text.InfoSelfServiceLogin, 1010001},
	{"InfoSelfServiceLoginWith", text.InfoSelfServiceLoginWith, 1010002},
	{"InfoSelfServiceLoginReAuth", text.InfoSelfServiceLoginReAuth, 1010003},
	{"InfoSelfServiceLoginMFA", text.InfoSelfServiceLoginMFA, 1010004},
	{"InfoSelfServiceLoginVerify", text.InfoSelfServiceLoginVerify, 1010005},
	{"InfoSelfServiceLoginTOTPLabel", text.InfoSelfServiceLoginTOTPLabel, 1010006},
	{"InfoLoginLookupLabel", text.InfoLoginLookupLabel, 1010007},
	{"InfoSelfServiceLoginWebAuthn", text.InfoSelfServiceLoginWebAuthn, 1010008},
	{"InfoLoginTOTP", text.InfoLoginTOTP, 1010009},
	{"InfoLoginLookup", text.InfoLoginLookup, 1010010},
	{"InfoSelfServiceLoginContinueWebAuthn", text.InfoSelfServiceLoginContinueWebAuthn, 1010011},
	{"InfoSelfServiceLoginWebAuthnPasswordless", text.InfoSelfServiceLoginWebAuthnPasswordless, 1010012},
	{"InfoSelfServiceLoginContinue", text.InfoSelfServiceLoginContinue, 1010013},
	{"InfoSelfServiceLoginEmailWithCodeSent", text.InfoSelfServiceLoginEmailWithCodeSent, 1010014},
	{"InfoSelfServiceLoginCode", text.InfoSelfServiceLoginCode, 1010015},
	{"InfoSelfServiceLoginLink", text.InfoSelfServiceLoginLink, 1010016},
	{"InfoSelfServiceLoginAndLink", text.InfoSelfServiceLoginAndLink, 1010017},
	{"InfoSelfServiceLoginWithAndLink", text.InfoSelfServiceLoginWithAndLink, 1010018},
	{"InfoSelfServiceLoginCodeMFA", text.InfoSelfServiceLoginCodeMFA, 1010019},
	{"InfoSelfServiceLoginCodeMFAHint", text.InfoSelfServiceLoginCodeMFAHint, 1010020},
	{"InfoSelfServiceLoginPasskey", text.InfoSelfServiceLoginPasskey, 1010021},
	{"InfoSelfServiceLoginPassword", text.InfoSelfServiceLoginPassword, 1010022},
	{"InfoSelfServiceLoginAAL2CodeAddress", text.InfoSelfServiceLoginAAL2CodeAddress, 1010023},
	{"InfoSelfServiceLogout", text.InfoSelfServiceLogout, 1020000},
	{"InfoSelfServiceMFA", text.InfoSelfServiceMFA, 1030000},
	{"InfoSelfServiceRegistrationRoot", text.InfoSelfServiceRegistrationRoot, 1040000},
	{"InfoSelfServiceRegistration", text.InfoSelfServiceRegistration, 1040001},
	{"InfoSelfServiceRegistrationWith", text.InfoSelfServiceRegistrationWith, 1040002},
	{"InfoSelfServiceRegistrationContinue", text.InfoSelfServiceRegistrationContinue, 1040003},
	{"InfoSelfServiceRegistrationRegisterWebAuthn", text.InfoSelfServiceRegistrationRegisterWebAuthn, 1040004},
	{"InfoSelfServiceRegistrationEmailWithCodeSent", text.InfoSelfServiceRegistrationEmailWithCodeSent, 1040005},
	{"InfoSelfServiceRegistrationRegisterCode", text.InfoSelfServiceRegistrationRegisterCode, 1040006},
	{"InfoSelfServiceRegistrationRegisterPasskey", text.InfoSelfServiceRegistrationRegisterPasskey, 1040007},
	{"InfoSelfServiceRegistrationBack", text.InfoSelfServiceRegistrationBack, 1040008},
	{"InfoSelfServiceRegistrationChooseCredentials", text.InfoSelfServiceRegistrationChooseCredentials, 1040009},
	{"InfoSelfServiceSettings", text.InfoSelfServiceSettings, 1050000},
	{"InfoSelfServiceSettingsUpdateSuccess", text.InfoSelfServiceSettingsUpdateSuccess, 1050001},
	{"InfoSelfServiceSettingsUpdateLinkOidc", text.InfoSelfServiceSettingsUpdateLinkOidc, 1050002},
	{"InfoSelfServiceSettingsUpdateUnlinkOidc", text.InfoSelfServiceSettingsUpdateUnlinkOidc, 1050003},
	{"InfoSelfServiceSettingsUpdateUnlinkTOTP", text.InfoSelfServiceSettingsUpdateUnlinkTOTP, 1050004},
	{"InfoSelfServiceSettingsTOTPQRCode", text.InfoSelfServiceSettingsTOTPQRCode, 1050005},
	{"InfoSelfServiceSettingsTOTPSecret", text.InfoSelfServiceSettingsTOTPSecret, 1050006},
	{"InfoSelfServiceSettingsRevealLookup", text.InfoSelfServiceSettingsRevealLookup, 1050007},
	{"InfoSelfServiceSettingsRegenerateLookup", text.InfoSelfServiceSettingsRegenerateLookup, 1050008},
	{"InfoSelfServiceSettingsLookupSecret", text.InfoSelfServiceSettingsLookupSecret, 1050009},
	{"InfoSelfServiceSettingsLookupSecretLabel", text.InfoSelfServiceSettingsLookupSecretLabel, 1050010},
	{"InfoSelfServiceSettingsLookupConfirm", text.InfoSelfServiceSettingsLookupConfirm, 1050011},
	{"InfoSelfServiceSettingsRegisterWebAuthn", text.InfoSelfServiceSettingsRegisterWebAuthn, 1050012},
	{"InfoSelfServiceSettingsRegisterWebAuthnDisplayName", text.InfoSelfServiceSettingsRegisterWebAuthnDisplayName, 1050013},
	{"InfoSelfServiceSettingsLookupSecretUsed", text.InfoSelfServiceSettingsLookupSecretUsed, 1050014},
	{"InfoSelfServiceSettingsLookupSecretList", text.InfoSelfServiceSettingsLookupSecretList, 1050015},
	{"InfoSelfServiceSettingsDisableLookup", text.InfoSelfServiceSettingsDisableLookup, 1050016},
	{"InfoSelfServiceSettingsTOTPSecretLabel", text.InfoSelfServiceSettingsTOTPSecretLabel, 1050017},
	{"InfoSelfServiceSettingsRemoveWebAuthn", text.InfoSelfServiceSettingsRemoveWebAuthn, 1050018},
	{"InfoSelfServiceSettingsRegisterPasskey", text.InfoSelfServiceSettingsRegisterPasskey, 1050019},
	{"InfoSelfServiceSettingsRemovePasskey", text.InfoSelfServiceSettingsRemovePasskey, 1050020},
	{"InfoSelfServiceRecovery", text.InfoSelfServiceRecovery, 1060000},
	{"InfoSelfServiceRecoverySuccessful", text.InfoSelfServiceRecoverySuccessful, 1060001},
	{"InfoSelfServiceRecoveryEmailSent", text.InfoSelfServiceRecoveryEmailSent, 1060002},
	{"InfoSelfServiceRecoveryEmailWithCodeSent", text.InfoSelfServiceRecoveryEmailWithCodeSent, 1060003},
	{"InfoNodeLabel", text.InfoNodeLabel, 1070000},
	{"InfoNodeLabelInputPassword", text.InfoNodeLabelInputPassword, 1070001},
	{"InfoNodeLabelGenerated", text.InfoNodeLabelGenerated, 1070002},
	{"InfoNodeLabelSave", text.InfoNodeLabelSave, 1070003},
	{"InfoNodeLabelID", text.InfoNodeLabelID, 1070004},
	{"InfoNodeLabelSubmit", text.InfoNodeLabelSubmit, 1070005},
	{"InfoNodeLabelVerifyOTP", text.InfoNodeLabelVerifyOTP, 1070006},
	{"InfoNodeLabelEmail", text.InfoNodeLabelEmail, 1070007},
	{"InfoNodeLabelResendOTP", text.InfoNodeLabelResendOTP, 1070008},
	{"InfoNodeLabelContinue", text.InfoNodeLabelContinue, 1070009},
	{"InfoNodeLabelRecoveryCode", text.InfoNodeLabelRecoveryCode, 1070010},
	{"InfoNodeLabelVerificationCode", text.InfoNodeLabelVerificationCode, 1070011},
	{"InfoNodeLabelRegistrationCode", text.InfoNodeLabelRegistrationCode, 1070012},
	{"InfoNodeLabelLoginCode", text.InfoNodeLabelLoginCode, 1070013},
	{"InfoNodeLabelLoginAndLinkCredential", text.InfoNodeLabelLoginAndLinkCredential, 1070014},
	{"InfoNodeLabelCaptcha", text.InfoNodeLabelCaptcha, 1070015},
	{"InfoSelfServiceVerification", text.InfoSelfServiceVerification, 1080000},
	{"InfoSelfServiceVerificationEmailSent", text.InfoSelfServiceVerificationEmailSent, 1080001},
	{"InfoSelfServiceVerificationSuccessful", text.InfoSelfServiceVerificationSuccessful, 1080002},
	{"InfoSelfServiceVerificationEmailWithCodeSent", text.InfoSelfServiceVerificationEmailWithCodeSent, 1080003},
	{"ErrorValidation", text.ErrorValidation, 4000000},
	{"ErrorValidationGeneric", text.ErrorValidationGeneric, 4000001},
	{"ErrorValidationRequired", text.ErrorValidationRequired, 4000002},
	{"ErrorValidationMinLength", text.ErrorValidationMinLength, 4000003},
	{"ErrorValidationInvalidFormat", text.ErrorValidationInvalidFormat, 4000004},
	{"ErrorValidationPasswordPolicyViolationGeneric", text.ErrorValidationPasswordPolicyViolationGeneric, 4000005},
	{"ErrorValidationInvalidCredentials", text.ErrorValidationInvalidCredentials, 4000006},
	{"ErrorValidationDuplicateCredentials", text.ErrorValidationDuplicateCredentials, 4000007},
	{"ErrorValidationTOTPVerifierWrong", text.ErrorValidationTOTPVerifierWrong, 4000008},
	{"ErrorValidationIdentifierMissing", text.ErrorValidationIdentifierMissing, 4000009},
	{"ErrorValidationAddressNotVerified", text.ErrorValidationAddressNotVerified, 4000010},
	{"ErrorValidationNoTOTPDevice", text.ErrorValidationNoTOTPDevice, 4000011},
	{"ErrorValidationLookupAlreadyUsed", text.ErrorValidationLookupAlreadyUsed, 4000012},
	{"ErrorValidationNoWebAuthnDevice", text.ErrorValidationNoWebAuthnDevice, 4000013},
	{"ErrorValidationNoLookup", text.ErrorValidationNoLookup, 4000014},
	{"ErrorValidationSuchNoWebAuthnUser", text.ErrorValidationSuchNoWebAuthnUser, 4000015},
	{"ErrorValidationLookupInvalid", text.ErrorValidationLookupInvalid, 4000016},
	{"ErrorValidationMaxLength", text.ErrorValidationMaxLength, 4000017},
	{"ErrorValidationMinimum", text.ErrorValidationMinimum, 4000018},
	{"ErrorValidationExclusiveMinimum", text.ErrorValidationExclusiveMinimum, 4000019},
	{"ErrorValidationMaximum", text.ErrorValidationMaximum, 4000020},
	{"ErrorValidationExclusiveMaximum", text.ErrorValidationExclusiveMaximum, 4000021},
	{"ErrorValidationMultipleOf", text.ErrorValidationMultipleOf, 4000022},
	{"ErrorValidationMaxItems", text.ErrorValidationMaxItems, 4000023},
	{"ErrorValidationMinItems", text.ErrorValidationMinItems, 4000024},
	{"ErrorValidationUniqueItems", text.ErrorValidationUniqueItems, 4000025},
	{"ErrorValidationWrongType", text.ErrorValidationWrongType, 4000026},
	{"ErrorValidationDuplicateCredentialsOnOIDCLink", text.ErrorValidationDuplicateCredentialsOnOIDCLink, 4000027},
	{"ErrorValidationDuplicateCredentialsWithHints", text.ErrorValidationDuplicateCredentialsWithHints, 4000028},
	{"ErrorValidationConst", text.ErrorValidationConst, 4000029},
	{"ErrorValidationConstGeneric", text.ErrorValidationConstGeneric, 4000030},
	{"ErrorValidationPasswordIdentifierTooSimilar", text.ErrorValidationPasswordIdentifierTooSimilar, 4000031},
	{"ErrorValidationPasswordMinLength", text.ErrorValidationPasswordMinLength, 4000032},
	{"ErrorValidationPasswordMaxLength", text.ErrorValidationPasswordMaxLength, 4000033},
	{"ErrorValidationPasswordTooManyBreaches", text.ErrorValidationPasswordTooManyBreaches, 4000034},
	{"ErrorValidationNoCodeUser", text.ErrorValidationNoCodeUser, 4000035},
	{"ErrorValidationTraitsMismatch", text.ErrorValidationTraitsMismatch, 4000036},
	{"ErrorValidationAccountNotFound", text.ErrorValidationAccountNotFound, 4000037},
	{"ErrorValidationCaptchaError", text.ErrorValidationCaptchaError, 4000038},
	{"ErrorValidationLogin", text.ErrorValidationLogin, 4010000},
	{"ErrorValidationLoginFlowExpired", text.ErrorValidationLoginFlowExpired, 4010001},
	{"ErrorValidationLoginNoStrategyFound", text.ErrorValidationLoginNoStrategyFound, 4010002},
	{"ErrorValidationRegistrationNoStrategyFound", text.ErrorValidationRegistrationNoStrategyFound, 4010003},
	{"ErrorValidationSettingsNoStrategyFound", text.ErrorValidationSettingsNoStrategyFound, 4010004},
	{"ErrorValidationRecoveryNoStrategyFound", text.ErrorValidationRecoveryNoStrategyFound, 4010005},
	{"ErrorValidationVerificationNoStrategyFound", text.ErrorValidationVerificationNoStrategyFound, 4010006},
	{"ErrorValidationLoginRetrySuccess", text.ErrorValidationLoginRetrySuccess, 4010007},
	{"ErrorValidationLoginCodeInvalidOrAlreadyUsed", text.ErrorValidationLoginCodeInvalidOrAlreadyUsed, 4010008},
	{"ErrorValidationLoginLinkedCredentialsDoNotMatch", text.ErrorValidationLoginLinkedCredentialsDoNotMatch, 4010009},
	{"ErrorValidationLoginAddressUnknown", text.ErrorValidationLoginAddressUnknown, 4010010},
	{"ErrorValidationRegistration", text.ErrorValidationRegistration, 4040000},
	{"ErrorValidationRegistrationFlowExpired", text.ErrorValidationRegistrationFlowExpired, 4040001},
	{"ErrorValidationRegistrationRetrySuccess", text.ErrorValidationRegistrationRetrySuccess, 4040002},
	{"ErrorValidationRegistrationCodeInvalidOrAlreadyUsed", text.ErrorValidationRegistrationCodeInvalidOrAlreadyUsed, 4040003},
	{"ErrorValidationSettings", text.ErrorValidationSettings, 4050000},
	{"ErrorValidationSettingsFlowExpired", text.ErrorValidationSettingsFlowExpired, 4050001},
	{"ErrorValidationRecovery", text.ErrorValidationRecovery, 4060000},
	{"ErrorValidationRecoveryRetrySuccess", text.ErrorValidationRecoveryRetrySuccess, 4060001},
	{"ErrorValidationRecoveryStateFailure", text.ErrorValidationRecoveryStateFailure, 4060002},
	{"ErrorValidationRecoveryMissingRecoveryToken", text.ErrorValidationRecoveryMissingRecoveryToken, 4060003},
	{"ErrorValidationRecoveryTokenInvalidOrAlreadyUsed", text.ErrorValidationRecoveryTokenInvalidOrAlreadyUsed, 4060004},
	{"ErrorValidationRecoveryFlowExpired", text.ErrorValidationRecoveryFlowExpired, 4060005},
	{"ErrorValidationRecoveryCodeInvalidOrAlreadyUsed", text.ErrorValidationRecoveryCodeInvalidOrAlreadyUsed, 4060006},
	{"ErrorValidationVerification", text.ErrorValidationVerification, 4070000},
	{"ErrorValidationVerificationTokenInvalidOrAlreadyUsed", text.ErrorValidationVerificationTokenInvalidOrAlreadyUsed, 4070001},
	{"ErrorValidationVerificationRetrySuccess", text.ErrorValidationVerificationRetrySuccess, 4070002},
	{"ErrorValidationVerificationStateFailure", text.ErrorValidationVerificationStateFailure, 4070003},
	{"ErrorValidationVerificationMissingVerificationToken", text.ErrorValidationVerificationMissingVerificationToken, 4070004},
	{"ErrorValidationVerificationFlowExpired", text.ErrorValidationVerificationFlowExpired, 4070005},
	{"ErrorValidationVerificationCodeInvalidOrAlreadyUsed", text.ErrorValidationVerificationCodeInvalidOrAlreadyUsed, 4070006},
	{"ErrorSystem", text.ErrorSystem, 5000000},
	{"ErrorSystemGeneric", text.ErrorSystemGeneric, 5000001},
}

func TestIDsMatchKratos(t *testing.T) {
	seen := map[text.ID]string{}
	for _, c := range kratosIDs {
		if int(c.id) != c.want {
			t.Errorf("%s = %d, Kratos has %d", c.name, c.id, c.want)
		}
		if other, dup := seen[c.id]; dup {
			t.Errorf("%s and %s share the value %d", c.name, other, c.id)
		}
		seen[c.id] = c.name
	}
}

// TestEveryIDIsPinned reads id.go so that an ID added there without a row in kratosIDs fails.
func TestEveryIDIsPinned(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "id.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[string]bool{}
	for _, c := range kratosIDs {
		pinned[c.name] = true
	}
	declared := 0
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, n := range s.(*ast.ValueSpec).Names {
				declared++
				if !pinned[n.Name] {
					t.Errorf("id.go declares %s, which kratosIDs does not pin", n.Name)
				}
			}
		}
	}
	if declared != len(kratosIDs) {
		t.Errorf("id.go declares %d IDs, kratosIDs pins %d", declared, len(kratosIDs))
	}
}
