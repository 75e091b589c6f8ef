package oauth2_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/oauth2"
)

// The example of RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

var (
	invalidRequest = &oauth2.Error{Code: oauth2.CodeInvalidRequest}
	invalidGrant   = &oauth2.Error{Code: oauth2.CodeInvalidGrant}
)

func TestVerifyPKCE(t *testing.T) {
	for _, tc := range []struct {
		name                        string
		method, challenge, verifier string
		allowPlain                  bool
		want                        error
	}{
		{"RFC 7636 example", "S256", rfcChallenge, rfcVerifier, false, nil},
		{"mismatch", "S256", rfcChallenge, "eBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", false, invalidGrant},
		{"verifier is the challenge", "S256", rfcChallenge, rfcChallenge, false, invalidGrant},
		{"missing verifier", "S256", rfcChallenge, "", false, invalidRequest},
		{"verifier too short", "S256", rfcChallenge, rfcVerifier[:42], false, invalidRequest},
		{"verifier too long", "S256", rfcChallenge, strings.Repeat("a", 129), false, invalidRequest},
		{"verifier of 128", "S256", rfcChallenge, strings.Repeat("a", 128), false, invalidGrant},
		{"verifier with bad character", "S256", rfcChallenge, rfcVerifier[:42] + "+", false, invalidRequest},
		{"no PKCE", "", "", "", false, nil},
		{"downgrade: verifier without challenge", "", "", rfcVerifier, false, invalidGrant},
		{"plain refused", "plain", rfcVerifier, rfcVerifier, false, invalidGrant},
		{"missing method is plain, refused", "", rfcVerifier, rfcVerifier, false, invalidGrant},
		{"plain allowed", "plain", rfcVerifier, rfcVerifier, true, nil},
		{"plain allowed, mismatch", "plain", rfcVerifier, rfcVerifier[1:] + "a", true, invalidGrant},
		{"unknown method", "S512", rfcChallenge, rfcVerifier, true, invalidGrant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := oauth2.VerifyPKCE(tc.method, tc.challenge, tc.verifier, tc.allowPlain)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPKCE = %v; want %v", err, tc.want)
			}
		})
	}
}

func TestValidateChallenge(t *testing.T) {
	for _, tc := range []struct {
		name              string
		method, challenge string
		allowPlain, ok    bool
	}{
		{"S256", "S256", rfcChallenge, false, true},
		{"S256 too short", "S256", rfcChallenge[:42], false, false},
		{"S256 not base64url", "S256", rfcChallenge[:42] + "~", false, false},
		{"S256 non-canonical", "S256", rfcChallenge[:42] + "N", false, false},
		{"missing challenge", "S256", "", true, false},
		{"plain refused", "plain", rfcVerifier, false, false},
		{"no method means plain", "", rfcVerifier, false, false},
		{"plain allowed", "plain", rfcVerifier, true, true},
		{"plain too short", "plain", "abc", true, false},
		{"lower-case s256", "s256", rfcChallenge, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := oauth2.ValidateChallenge(tc.method, tc.challenge, tc.allowPlain)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, invalidRequest) {
				t.Fatalf("ValidateChallenge = %v; want ok=%v", err, tc.ok)
			}
		})
	}
}
