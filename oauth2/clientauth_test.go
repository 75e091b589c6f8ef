package oauth2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/oauth2"
)

func TestAssertionSubject(t *testing.T) {
	// Unsigned JWTs: AssertionSubject reads claims before the keys that check them are known.
	const header = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9" // {"alg":"ES256","typ":"JWT"}
	for _, c := range []struct {
		name, assertion, subject string
	}{
		{"valid", header + ".eyJpc3MiOiJjMSIsInN1YiI6ImMxIn0.c2ln", "c1"}, // {"iss":"c1","sub":"c1"}
		{"sub differs from iss", header + ".eyJpc3MiOiJjMSIsInN1YiI6ImMyIn0.c2ln", ""},
		{"no sub", header + ".eyJpc3MiOiJjMSJ9.c2ln", ""},
		{"not a JWT", "abc", ""},
		{"empty", "", ""},
		{"too long", header + "." + strings.Repeat("A", oauth2.MaxAssertionLength) + ".c2ln", ""},
	} {
		got, err := oauth2.AssertionSubject(c.assertion)
		if got != c.subject || (c.subject == "") != (err != nil) {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.subject)
		}
		if err != nil && !errors.Is(err, invalidClient) {
			t.Errorf("%s: %v is not invalid_client", c.name, err)
		}
	}
}

func FuzzAssertionSubject(f *testing.F) {
	f.Add("eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJjMSIsInN1YiI6ImMxIn0.c2ln")
	f.Fuzz(func(t *testing.T, assertion string) {
		sub, err := oauth2.AssertionSubject(assertion)
		if err != nil {
			if !errors.Is(err, invalidClient) {
				t.Fatalf("%v is not invalid_client", err)
			}
			if len(assertion) > 8 && strings.Contains(err.Error(), assertion) {
				t.Fatalf("the error quotes the assertion")
			}
			return
		}
		if sub == "" {
			t.Fatal("an empty subject accepted")
		}
	})
}

func TestNormalizeUserCode(t *testing.T) {
	for in, want := range map[string]string{
		"BCDF-GHJK": "BCDFGHJK", "bcdf ghjk": "BCDFGHJK", "bcdfghjk": "BCDFGHJK",
		"BCDF-GHJ": "", "ABCD-EFGH": "", "BCDF-GHJKL": "", "": "", "BCDF_GHJK": "",
	} {
		got, ok := oauth2.NormalizeUserCode(in)
		if got != want || ok != (want != "") {
			t.Errorf("NormalizeUserCode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func FuzzNormalizeUserCode(f *testing.F) {
	f.Add("BCDF-GHJK")
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := oauth2.NormalizeUserCode(s)
		if !ok {
			return
		}
		if len(got) != oauth2.UserCodeLength || strings.Trim(got, "BCDFGHJKLMNPQRSTVWXZ") != "" {
			t.Fatalf("NormalizeUserCode(%q) = %q", s, got)
		}
		if again, ok := oauth2.NormalizeUserCode(got); !ok || again != got {
			t.Fatalf("not idempotent: %q → %q", got, again)
		}
	})
}
