package oauth2

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCE challenge methods (RFC 7636 §4.2).
const (
	PKCES256  = "S256"
	PKCEPlain = "plain"
)

// Lengths of a PKCE code verifier (RFC 7636 §4.1), and of an S256 challenge: the base64url of a
// SHA-256, without padding.
const (
	MinVerifierLength = 43
	MaxVerifierLength = 128
	s256ChallengeLen  = 43
)

// ValidateChallenge checks the code_challenge and code_challenge_method of an authorization request
// that uses PKCE. A missing method means plain (RFC 7636 §4.3), and plain is refused unless
// allowPlain is set: it protects nothing when the authorization request can be read. An S256
// challenge must be the 43-character base64url of a SHA-256; a plain one has a verifier's syntax.
// The error is invalid_request, as RFC 7636 §4.4.1 prescribes.
//
// Whether a request must use PKCE at all (public clients must) is the caller's decision: it calls
// ValidateChallenge only when either parameter is present or PKCE is required.
func ValidateChallenge(method, challenge string, allowPlain bool) error {
	if challenge == "" {
		return InvalidRequest("code_challenge is missing")
	}
	switch method {
	case PKCES256:
		if len(challenge) != s256ChallengeLen || !verifierSyntax(challenge) {
			return InvalidRequest("code_challenge is not the base64url encoding of a SHA-256 hash")
		}
		if _, err := base64.RawURLEncoding.Strict().DecodeString(challenge); err != nil {
			return InvalidRequest("code_challenge is not the base64url encoding of a SHA-256 hash")
		}
	case PKCEPlain, "":
		if !allowPlain {
			return InvalidRequest("code_challenge_method plain is not allowed; use S256")
		}
		if err := validateVerifier(challenge, "code_challenge"); err != nil {
			return err
		}
	default:
		return InvalidRequest("code_challenge_method %s is not supported; use S256", truncate(method))
	}
	return nil
}

// VerifyPKCE checks a token request's code_verifier against the code_challenge and method stored
// with the authorization code (RFC 7636 §4.6). When the authorization request had no challenge the
// token request must have no verifier (OAuth 2.1 §4.1.3: this blocks a PKCE downgrade) and nil is
// returned; whether PKCE was required was settled by [ValidateChallenge]. Plain is refused unless
// allowPlain is set, as there. The comparison is constant-time.
//
// The error is invalid_request for a verifier that is missing or not of RFC 7636 syntax, and
// invalid_grant for one that does not match.
func VerifyPKCE(method, challenge, verifier string, allowPlain bool) error {
	if challenge == "" {
		if verifier != "" {
			return InvalidGrant("code_verifier was sent, but the authorization request had no code_challenge")
		}
		return nil
	}
	if verifier == "" {
		return InvalidRequest("code_verifier is missing; the authorization request used PKCE")
	}
	if err := validateVerifier(verifier, "code_verifier"); err != nil {
		return err
	}
	var want []byte
	switch method {
	case PKCES256:
		sum := sha256.Sum256([]byte(verifier))
		want = make([]byte, s256ChallengeLen)
		base64.RawURLEncoding.Encode(want, sum[:])
	case PKCEPlain, "":
		if !allowPlain {
			return InvalidGrant("code_challenge_method plain is not allowed")
		}
		want = []byte(verifier)
	default:
		return InvalidGrant("code_challenge_method %s is not supported", truncate(method))
	}
	if subtle.ConstantTimeCompare(want, []byte(challenge)) != 1 {
		return InvalidGrant("code_verifier does not match the code_challenge")
	}
	return nil
}

// validateVerifier checks RFC 7636 §4.1 syntax: 43 to 128 characters of [A-Za-z0-9-._~].
func validateVerifier(v, param string) error {
	if len(v) < MinVerifierLength || len(v) > MaxVerifierLength {
		return InvalidRequest("%s must be %d to %d characters long; it is %d",
			param, MinVerifierLength, MaxVerifierLength, len(v))
	}
	if !verifierSyntax(v) {
		return InvalidRequest("%s may hold only A-Z a-z 0-9 - . _ ~", param)
	}
	return nil
}

func verifierSyntax(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}
