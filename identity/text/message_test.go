package text_test

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	client "github.com/ory/client-go"

	"github.com/wardhq/ward/identity/text"
)

func TestMessageJSON(t *testing.T) {
	for _, c := range []struct {
		name string
		in   any
		want string
	}{
		{"no context", text.InvalidCredentials(),
			`{"id":4000006,"text":"The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.","type":"error"}`},
		{"context", text.Required("email"),
			`{"id":4000002,"text":"Property email is missing.","type":"error","context":{"property":"email"}}`},
		{"empty list", text.Messages(nil), `[]`},
		{"list", text.Messages{text.LabelID()}, `[{"id":1070004,"text":"ID","type":"info"}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

func TestMessageRoundTripsThroughClient(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, m := range []text.Message{
		text.LoginSignIn(),
		text.MinLength(8, 3),
		text.DuplicateCredentialsWithHints([]string{"password"}, []string{"github"}, "a@example.com"),
		text.LoginFlowExpired(at, at.Add(time.Minute)),
		text.SettingsLookupSecretList([]string{"abc", "used"}, []text.Message{text.SettingsLookupSecret("abc"), text.SettingsLookupSecretUsed(at)}),
		text.SettingsUpdateSuccess(),
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var c client.UiText
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("client cannot decode %s: %v", b, err)
		}
		if c.Id != int64(m.ID) || c.Text != m.Text || c.Type != string(m.Type) || len(c.AdditionalProperties) != 0 {
			t.Errorf("client decoded %s as %+v", b, c)
		}
		var want map[string]any
		if len(m.Context) > 0 {
			if err := json.Unmarshal(m.Context, &want); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(c.Context, want) {
			t.Errorf("context: client has %v, ward sent %v", c.Context, want)
		}
		var back text.Message
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, m) {
			t.Errorf("ward does not decode its own %s: %+v, %v", b, back, err)
		}
	}
}

func TestMessages(t *testing.T) {
	expiredAt := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := expiredAt.Add(150 * time.Second)
	for _, c := range []struct {
		name    string
		got     text.Message
		id      text.ID
		typ     text.Type
		text    string
		context string
	}{
		{"required", text.Required("email"), text.ErrorValidationRequired, text.TypeError,
			"Property email is missing.", `{"property":"email"}`},
		{"min length", text.MinLength(8, 3), text.ErrorValidationMinLength, text.TypeError,
			"length must be >= 8, but got 3", `{"actual_length":3,"min_length":8}`},
		{"max length", text.MaxLength(5, 9), text.ErrorValidationMaxLength, text.TypeError,
			"length must be <= 5, but got 9", `{"actual_length":9,"max_length":5}`},
		{"pattern", text.InvalidFormat(`^a+$`), text.ErrorValidationInvalidFormat, text.TypeError,
			`does not match pattern "^a+$"`, `{"pattern":"^a+$"}`},
		{"minimum", text.Minimum(1.5, 1), text.ErrorValidationMinimum, text.TypeError,
			"must be >= 1.5 but found 1", `{"actual":1,"minimum":1.5}`},
		{"exclusive maximum", text.ExclusiveMaximum(10, 10), text.ErrorValidationExclusiveMaximum, text.TypeError,
			"must be < 10 but found 10", `{"actual":10,"maximum":10}`},
		{"multiple of", text.MultipleOf(3, 7), text.ErrorValidationMultipleOf, text.TypeError,
			"7 not multipleOf 3", `{"actual":7,"base":3}`},
		{"wrong type", text.WrongType([]string{"string", "number"}, "boolean"), text.ErrorValidationWrongType, text.TypeError,
			"expected string or number, but got boolean", `{"actual_type":"boolean","allowed_types":["string","number"]}`},
		{"password min length", text.PasswordMinLength(8, 4), text.ErrorValidationPasswordMinLength, text.TypeError,
			"The password must be at least 8 characters long, but got 4.", `{"actual_length":4,"min_length":8}`},
		{"too similar", text.PasswordIdentifierTooSimilar(), text.ErrorValidationPasswordIdentifierTooSimilar, text.TypeError,
			"The password can not be used because it is too similar to the identifier.", ``},
		{"policy", text.PasswordPolicyViolation("it is too common"), text.ErrorValidationPasswordPolicyViolationGeneric, text.TypeError,
			"The password can not be used because it is too common.", `{"reason":"it is too common"}`},
		{"breaches", text.PasswordTooManyBreaches(12), text.ErrorValidationPasswordTooManyBreaches, text.TypeError,
			"The password has been found in data breaches and must no longer be used.", `{"breaches":12}`},
		{"duplicate", text.DuplicateCredentials(), text.ErrorValidationDuplicateCredentials, text.TypeError,
			"An account with the same identifier (email, phone, username, ...) exists already.", ``},
		{"duplicate with hints", text.DuplicateCredentialsWithHints([]string{"password", "oidc", "passkey"}, []string{"github", "google"}, "a@example.com"),
			text.ErrorValidationDuplicateCredentialsWithHints, text.TypeError,
			"You tried signing in with a@example.com which is already in use by another account. You can sign in using your password, social sign in, or your passkey. You can sign in using one of the following social sign in providers: Github, Google.",
			`{"available_credential_types":["password","oidc","passkey"],"available_oidc_providers":["github","google"],"credential_identifier_hint":"a@example.com"}`},
		{"duplicate with unknown hints", text.DuplicateCredentialsWithHints([]string{"code"}, nil, ""),
			text.ErrorValidationDuplicateCredentialsWithHints, text.TypeError,
			"You tried signing in with an email, phone, or username which is already in use by another account. You can sign in using code.",
			`{"available_credential_types":["code"],"available_oidc_providers":null,"credential_identifier_hint":""}`},
		{"login expired", text.LoginFlowExpired(expiredAt, now), text.ErrorValidationLoginFlowExpired, text.TypeError,
			"The login flow expired 2.50 minutes ago, please try again.", `{"expired_at":"2025-03-01T12:00:00Z","expired_at_unix":1740830400}`},
		{"settings expired", text.SettingsFlowExpired(expiredAt, now), text.ErrorValidationSettingsFlowExpired, text.TypeError,
			"The settings flow expired 2.50 minutes ago, please try again.", `{"expired_at":"2025-03-01T12:00:00Z","expired_at_unix":1740830400}`},
		{"recovered", text.RecoverySuccessful(now, expiredAt), text.InfoSelfServiceRecoverySuccessful, text.TypeSuccess,
			"You successfully recovered your account. Please change your password or set up an alternative login method (e.g. social sign in) within the next 2.50 minutes.",
			`{"privilegedSessionExpiresAt":"2025-03-01T12:02:30Z","privileged_session_expires_at":"2025-03-01T12:02:30Z","privileged_session_expires_at_unix":1740830550}`},
		{"login with", text.LoginWith("GitHub", "github"), text.InfoSelfServiceLoginWith, text.TypeInfo,
			"Sign in with GitHub", `{"provider":"GitHub","provider_id":"github"}`},
		{"sign up", text.RegistrationSignUp(), text.InfoSelfServiceRegistration, text.TypeInfo, "Sign up", ``},
		{"sign in", text.LoginSignIn(), text.InfoSelfServiceLogin, text.TypeInfo, "Sign in", ``},
		{"save", text.LabelSave(), text.InfoNodeLabelSave, text.TypeInfo, "Save", ``},
		{"password label", text.LabelPassword(), text.InfoNodeLabelInputPassword, text.TypeInfo, "Password", ``},
		{"email label", text.LabelEmail(), text.InfoNodeLabelEmail, text.TypeInfo, "Email", ``},
		{"generated label", text.LabelGenerated("E-Mail"), text.InfoNodeLabelGenerated, text.TypeInfo, "E-Mail", `{"title":"E-Mail"}`},
		{"remove key", text.SettingsRemoveWebAuthn("yubi", expiredAt), text.InfoSelfServiceSettingsRemoveWebAuthn, text.TypeInfo,
			`Remove security key "yubi"`, `{"added_at":"2025-03-01T12:00:00Z","added_at_unix":1740830400,"display_name":"yubi"}`},
		{"lookup used", text.SettingsLookupSecretUsed(expiredAt), text.InfoSelfServiceSettingsLookupSecretUsed, text.TypeInfo,
			"Secret was used at 2025-03-01 12:00:00 +0000 UTC", `{"used_at":"2025-03-01T12:00:00Z","used_at_unix":1740830400}`},
		{"lookup list", text.SettingsLookupSecretList([]string{"a1", "used"}, []text.Message{text.SettingsLookupSecret("a1")}),
			text.InfoSelfServiceSettingsLookupSecretList, text.TypeInfo, "a1, used",
			`{"secrets":[{"id":1050009,"text":"a1","type":"info","context":{"secret":"a1"}}]}`},
		{"retry", text.RegistrationRetrySuccess(), text.ErrorValidationRegistrationRetrySuccess, text.TypeError,
			"The request was already completed successfully and can not be retried.", ``},
		{"system", text.SystemGeneric("database down"), text.ErrorSystemGeneric, text.TypeError, "database down", `{"reason":"database down"}`},
		{"non-finite", text.Minimum(math.Inf(1), 2), text.ErrorValidationMinimum, text.TypeError,
			"must be >= +Inf but found 2", `{"actual":2,"minimum":"+Inf"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got.ID != c.id || c.got.Type != c.typ || c.got.Text != c.text {
				t.Errorf("got %d %s %q\nwant %d %s %q", c.got.ID, c.got.Type, c.got.Text, c.id, c.typ, c.text)
			}
			if string(c.got.Context) != c.context {
				t.Errorf("context %s, want %s", c.got.Context, c.context)
			}
		})
	}
}
