package oauth2

import (
	"fmt"
	"slices"
	"strings"
)

// Limits on a scope parameter. They keep requests cheap to check and stored grants small.
const (
	MaxScopeLength = 4096 // bytes in a space-separated scope string
	MaxScopes      = 100  // scopes in one request or one client
)

// ParseScope splits a scope parameter (RFC 6749 §3.3) into its scope tokens, in order, without
// duplicates. Tokens are separated by spaces; runs of spaces and leading or trailing spaces are
// tolerated, any other whitespace is not. An empty or all-space string yields no scopes: whether
// that means a default scope or a refusal is the grant's decision. The error is invalid_scope.
func ParseScope(s string) ([]string, error) {
	if len(s) > MaxScopeLength {
		return nil, InvalidScope("the scope parameter is %d bytes long; the limit is %d", len(s), MaxScopeLength)
	}
	var scopes []string
	for tok := range strings.SplitSeq(s, " ") {
		if tok == "" {
			continue
		}
		if err := ValidateScopeToken(tok); err != nil {
			return nil, err
		}
		if !slices.Contains(scopes, tok) {
			if len(scopes) == MaxScopes {
				return nil, InvalidScope("more than %d scopes requested", MaxScopes)
			}
			scopes = append(scopes, tok)
		}
	}
	return scopes, nil
}

// FormatScope joins scopes into a scope parameter, the inverse of [ParseScope] for valid scopes.
func FormatScope(scopes []string) string { return strings.Join(scopes, " ") }

// ValidateScopeToken checks one scope token: one or more bytes of %x21 / %x23-5B / %x5D-7E, printable
// ASCII other than space, '"' and '\'. The error is invalid_scope.
func ValidateScopeToken(tok string) error {
	if problem := scopeTokenProblem(tok); problem != "" {
		return InvalidScope("a scope %s", problem)
	}
	return nil
}

// scopeTokenProblem says what is wrong with a scope token, or returns "" when nothing is.
func scopeTokenProblem(tok string) string {
	if tok == "" {
		return "is empty"
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; !scopeByte(c) {
			if c > 0x20 && c < 0x7f {
				return fmt.Sprintf("holds %c at byte %d, which RFC 6749 does not allow", c, i)
			}
			return fmt.Sprintf("holds byte %#x at %d; only printable ASCII other than space is allowed", c, i)
		}
	}
	return ""
}

func scopeByte(c byte) bool { return c >= 0x21 && c <= 0x7e && c != '"' && c != '\\' }

// CheckScopes returns nil when every requested scope is one the client may have; otherwise an
// invalid_scope error naming the first that is not. Matching is exact: "read" does not grant
// "read:all", nor the other way round.
func CheckScopes(requested, allowed []string) error {
	for _, s := range requested {
		if !slices.Contains(allowed, s) {
			return InvalidScope("the client may not request scope %s", truncate(s))
		}
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
