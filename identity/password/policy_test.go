package password_test

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity/password"
)

func newPolicy(t testing.TB, opts ...password.PolicyOption) *password.Policy {
	t.Helper()
	p, err := password.NewPolicy(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPolicyKratosCases runs the cases of Kratos's TestDefaultPasswordValidationStrategy (v1.3.1,
// selfservice/strategy/password/validator_test.go). Where Kratos refuses a password because Have
// I Been Pwned knows it, ward refuses it because the bundled list does.
func TestPolicyKratosCases(t *testing.T) {
	p := newPolicy(t)
	for _, tc := range []struct {
		id, pw string
		reason password.Reason // "" to pass
	}{
		{pw: "", reason: password.ReasonTooShort},
		{pw: "12", reason: password.ReasonTooShort},
		{pw: "1234", reason: password.ReasonTooShort},
		{pw: "123456", reason: password.ReasonTooShort},
		{pw: "12345678", reason: password.ReasonCommon},
		{pw: "password", reason: password.ReasonCommon},
		{pw: "1234567890", reason: password.ReasonCommon},
		{pw: "qwertyui", reason: password.ReasonCommon},
		{pw: "l3f9to", reason: password.ReasonTooShort},
		{pw: "l3f9toh1uaf81n21"},
		{pw: "l3f9toh1uaf81n21", id: "l3f9toh1uaf81n21", reason: password.ReasonTooSimilar},
		{pw: "l3f9toh1"},
		{pw: strings.Repeat("0", 520)},
		{id: "hello@example.com", pw: "hello@example.com12345", reason: password.ReasonTooSimilar},
		{id: "hello@example.com", pw: "123hello@example.com123", reason: password.ReasonTooSimilar},
		{id: "hello@example.com", pw: "hello@exam", reason: password.ReasonTooSimilar},
		{id: "hello@example.com", pw: "HELLO@EXAMPLE.COM", reason: password.ReasonTooSimilar},
		{id: "hello@example.com", pw: "HELLO@example.com", reason: password.ReasonTooSimilar},
		{pw: "hello@example.com", id: "hello@exam", reason: password.ReasonTooSimilar},
		{id: "hello@example.com", pw: "h3ll0@example", reason: password.ReasonTooSimilar},
		{id: "abcd", pw: "9d3c8a1b"},
		{id: "a", pw: "kjOklafe"},
		{id: "ab", pw: "0000ab0000"},
		{id: "d4f6090b-5a84", pw: "d4f6090b-5a84-2184-4404-8d1b-8da3eb00ebbe"},
		{id: "asdflasdflasdf", pw: "asdflasdflpiuhefnciluaksdzuföfhg"},
	} {
		t.Run(tc.pw+" for "+tc.id, func(t *testing.T) {
			checkPolicy(t, p.Validate(tc.pw, tc.id), tc.pw, tc.reason)
		})
	}
}

// checkPolicy checks err against the reason wanted ("" for none), and that it never holds the
// password (except "password", which Kratos's messages hold as a word).
func checkPolicy(t *testing.T, err error, pw string, reason password.Reason) {
	t.Helper()
	if reason == "" {
		if err != nil {
			t.Errorf("Validate = %v; want nil", err)
		}
		return
	}
	var pe *password.PolicyError
	if !errors.As(err, &pe) || pe.Reason != reason {
		t.Fatalf("Validate = %v; want a PolicyError of reason %s", err, reason)
	}
	if len(pw) >= 4 && pw != "password" && strings.Contains(err.Error(), pw) {
		t.Errorf("error %q holds the password", err)
	}
}

func TestPolicyRules(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []password.PolicyOption
		pw     string
		ids    []string
		reason password.Reason
	}{
		{"at the default maximum", nil, strings.Repeat("k", password.MaxLength), nil, ""},
		{"over the default maximum", nil, strings.Repeat("k", password.MaxLength+1), nil, password.ReasonTooLong},
		{"bcrypt's maximum", []password.PolicyOption{password.WithMaxLength(72)}, strings.Repeat("k", 73), nil, password.ReasonTooLong},
		{"lengths are bytes", []password.PolicyOption{password.WithMinLength(9)}, "ääää", nil, password.ReasonTooShort},
		{"a raised minimum", []password.PolicyOption{password.WithMinLength(12)}, "l3f9toh1uaf", nil, password.ReasonTooShort},
		{"common, any case", nil, "PassWord1", nil, password.ReasonCommon},
		{"common check off", []password.PolicyOption{password.WithCommonPasswordCheck(false)}, "password1", nil, ""},
		{"second identifier too similar", nil, "jdoe1970-x", []string{"john@example.org", "jdoe1970"}, password.ReasonTooSimilar},
		{"empty identifier skipped", nil, "l3f9toh1uaf81n21", []string{""}, ""},
		{"similarity off (Kratos's TestChangeIdentifierSimilarityCheckEnabled)",
			[]password.PolicyOption{password.WithIdentifierSimilarityCheck(false)}, "bosqwfaxee", []string{"bosqwfaxee"}, ""},
		{"short before similar", nil, "abc", []string{"abc"}, password.ReasonTooShort},
		{"similar before common", nil, "password1", []string{"password"}, password.ReasonTooSimilar},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkPolicy(t, newPolicy(t, tc.opts...).Validate(tc.pw, tc.ids...), tc.pw, tc.reason)
		})
	}
}

// TestPolicyRefusesEveryListedPassword reads the bundled list and checks that each entry the
// length rules let through is refused as common, as typed and in capitals.
func TestPolicyRefusesEveryListedPassword(t *testing.T) {
	p := newPolicy(t)
	f, err := os.Open("commonpasswords.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checked := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		line := sc.Text()
		if strings.HasPrefix(line, "#!") || len(line) < password.DefaultMinLength {
			continue
		}
		for _, pw := range []string{line, strings.ToUpper(line)} {
			var pe *password.PolicyError
			if err := p.Validate(pw); !errors.As(err, &pe) || pe.Reason != password.ReasonCommon {
				t.Errorf("Validate(%q) = %v; want common", pw, err)
			}
		}
		checked++
	}
	if checked < 600 {
		t.Errorf("only %d entries of 8 bytes or more; the list is not Openwall's", checked)
	}
}

func TestNewPolicyRefusesBadLengths(t *testing.T) {
	for _, opts := range [][]password.PolicyOption{
		{password.WithMinLength(0)},
		{password.WithMaxLength(password.MaxLength + 1)},
		{password.WithMinLength(20), password.WithMaxLength(10)},
	} {
		if p, err := password.NewPolicy(opts...); err == nil {
			t.Errorf("NewPolicy = %v; want an error", p)
		}
	}
}

// TestPolicyError checks each reason's Kratos text ID, message and context, and that the error is
// an InvalidArgument fault on "password".
func TestPolicyError(t *testing.T) {
	for _, tc := range []struct {
		err     *password.PolicyError
		id      int
		text    string
		context map[string]any
	}{
		{&password.PolicyError{Reason: password.ReasonTooShort, MinLength: 8, ActualLength: 3}, 4000032,
			"The password must be at least 8 characters long, but got 3.", map[string]any{"min_length": 8, "actual_length": 3}},
		{&password.PolicyError{Reason: password.ReasonTooLong, MaxLength: 72, ActualLength: 80}, 4000033,
			"The password must be at most 72 characters long, but got 80.", map[string]any{"max_length": 72, "actual_length": 80}},
		{&password.PolicyError{Reason: password.ReasonTooSimilar}, 4000031,
			"The password can not be used because it is too similar to the identifier.", nil},
		{&password.PolicyError{Reason: password.ReasonCommon}, 4000034,
			"The password has been found in data breaches and must no longer be used.", nil},
		{&password.PolicyError{Reason: "other"}, 4000005, "The password can not be used.", nil},
	} {
		t.Run(string(tc.err.Reason), func(t *testing.T) {
			if tc.err.TextID() != tc.id || tc.err.Error() != tc.text {
				t.Errorf("TextID, Error = %d, %q; want %d, %q", tc.err.TextID(), tc.err.Error(), tc.id, tc.text)
			}
			got := tc.err.Context()
			if len(got) != len(tc.context) {
				t.Errorf("Context = %v; want %v", got, tc.context)
			}
			for k, v := range tc.context {
				if got[k] != v {
					t.Errorf("Context[%s] = %v; want %v", k, got[k], v)
				}
			}
			var fe *fault.Error
			if !errors.As(tc.err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "password" || fe.Message != tc.text {
				t.Errorf("as a fault: %+v; want InvalidArgument on password with the message", fe)
			}
		})
	}
}
