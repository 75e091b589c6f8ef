package oauth2_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/wardhq/ward/oauth2"
)

var invalidScope = &oauth2.Error{Code: oauth2.CodeInvalidScope}

func TestParseScope(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "openid", want: []string{"openid"}},
		{in: "openid profile offline_access", want: []string{"openid", "profile", "offline_access"}},
		{in: " read  write ", want: []string{"read", "write"}},
		{in: "read write read", want: []string{"read", "write"}},
		{in: "https://api.example/read doc:*:view", want: []string{"https://api.example/read", "doc:*:view"}},
		{in: "read\twrite", bad: true},
		{in: "read\nwrite", bad: true},
		{in: `a"b`, bad: true},
		{in: `a\b`, bad: true},
		{in: "caf\u00e9", bad: true},
		{in: strings.Repeat("a", oauth2.MaxScopeLength+1), bad: true},
		{in: manyScopes(oauth2.MaxScopes + 1), bad: true},
	} {
		got, err := oauth2.ParseScope(tc.in)
		if tc.bad {
			if !errors.Is(err, invalidScope) {
				t.Errorf("ParseScope(%.40q) = %v, %v; want invalid_scope", tc.in, got, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseScope(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got, err := oauth2.ParseScope(manyScopes(oauth2.MaxScopes)); err != nil || len(got) != oauth2.MaxScopes {
		t.Errorf("ParseScope of %d scopes: %d, %v", oauth2.MaxScopes, len(got), err)
	}
}

func manyScopes(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = "scope" + strconv.Itoa(i)
	}
	return strings.Join(s, " ")
}

func TestCheckScopes(t *testing.T) {
	allowed := []string{"openid", "read", "offline_access"}
	for _, tc := range []struct {
		requested []string
		ok        bool
	}{
		{nil, true},
		{[]string{"openid", "read"}, true},
		{[]string{"read", "write"}, false},
		{[]string{"read:all"}, false},
		{[]string{"READ"}, false},
		{[]string{"rea"}, false},
	} {
		err := oauth2.CheckScopes(tc.requested, allowed)
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, invalidScope) {
			t.Errorf("CheckScopes(%q) = %v; want ok=%v", tc.requested, err, tc.ok)
		}
	}
	err := oauth2.CheckScopes([]string{"read", "admin"}, allowed)
	if err == nil || !strings.Contains(err.Error(), "admin") {
		t.Errorf("the error %v does not name the scope at fault", err)
	}
}

// FuzzParseScope checks that ParseScope never panics, fails only with invalid_scope, and that what it
// accepts round-trips through FormatScope.
func FuzzParseScope(f *testing.F) {
	f.Add("openid profile")
	f.Fuzz(func(t *testing.T, s string) {
		scopes, err := oauth2.ParseScope(s)
		if err != nil {
			if !errors.Is(err, invalidScope) {
				t.Fatalf("ParseScope(%q): %v is not invalid_scope", s, err)
			}
			return
		}
		for _, sc := range scopes {
			if err := oauth2.ValidateScopeToken(sc); err != nil {
				t.Fatalf("ParseScope(%q) returned invalid scope %q", s, sc)
			}
		}
		again, err := oauth2.ParseScope(oauth2.FormatScope(scopes))
		if err != nil || !slices.Equal(again, scopes) {
			t.Fatalf("%q does not round-trip: %q, %v", scopes, again, err)
		}
		if len(scopes) > 0 && oauth2.CheckScopes(scopes, scopes) != nil {
			t.Fatalf("scopes %q are not allowed by themselves", scopes)
		}
	})
}
