package oauth2

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// unsignedClaims reads the claims of an assertion as authenticateAssertion does, without the
// signature.
func unsignedClaims(assertion string) (*assertionClaims, error) {
	var c assertionClaims
	_, _, err := jwt.NewParser().ParseUnverified(assertion, &c)
	return &c, err
}

func TestCheckAssertionTimes(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	at := func(d time.Duration) *jwt.NumericDate { return jwt.NewNumericDate(now.Add(d)) }
	for _, c := range []struct {
		name   string
		claims jwt.RegisteredClaims
		ok     bool
	}{
		{"valid", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Minute), IssuedAt: at(0)}, true},
		{"no iat", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Minute)}, true},
		{"iat within the leeway", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Minute), IssuedAt: at(clockLeeway)}, true},
		{"exactly an hour", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Hour)}, true},
		{"no jti", jwt.RegisteredClaims{ExpiresAt: at(time.Minute)}, false},
		{"jti too long", jwt.RegisteredClaims{ID: strings.Repeat("j", MaxAssertionIDLength+1), ExpiresAt: at(time.Minute)}, false},
		{"no exp", jwt.RegisteredClaims{ID: "j"}, false},
		{"iat in the future", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Minute), IssuedAt: at(clockLeeway + time.Second)}, false},
		// exp - iat is short, but the assertion stays valid for 90 minutes from now.
		{"lifetime from now", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(90 * time.Minute), IssuedAt: at(80 * time.Minute)}, false},
		{"over an hour", jwt.RegisteredClaims{ID: "j", ExpiresAt: at(time.Hour + time.Second), IssuedAt: at(0)}, false},
	} {
		err := checkAssertionTimes(&assertionClaims{c.claims}, now)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v; want ok=%v", c.name, err, c.ok)
		}
	}
}

// FuzzAssertionClaims feeds the claims parser of client assertions and the checks that follow
// it: no input panics, and what passes has a bounded jti and lifetime.
func FuzzAssertionClaims(f *testing.F) {
	const header = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9" // {"alg":"ES256","typ":"JWT"}
	f.Add(header + ".eyJpc3MiOiJjMSIsInN1YiI6ImMxIiwianRpIjoiaiIsImV4cCI6MTkwMDAwMDA2MH0.c2ln")
	f.Fuzz(func(t *testing.T, assertion string) {
		if len(assertion) > MaxAssertionLength {
			return // AssertionSubject refuses it before the claims are read
		}
		now := time.Unix(1_900_000_000, 0)
		c, err := unsignedClaims(assertion)
		if err != nil {
			return
		}
		if c.ExpiresAt == nil && checkAssertionTimes(c, now) == nil {
			t.Fatal("an assertion without exp passed")
		}
		if c.ExpiresAt == nil || checkAssertionTimes(c, now) != nil {
			return
		}
		switch {
		case c.ID == "" || len(c.ID) > MaxAssertionIDLength:
			t.Fatalf("jti %q passed", c.ID)
		case c.ExpiresAt.Sub(now) > MaxAssertionLifetime:
			t.Fatalf("exp %v passed", c.ExpiresAt)
		case c.IssuedAt != nil && c.IssuedAt.After(now.Add(clockLeeway)):
			t.Fatalf("iat %v passed", c.IssuedAt)
		}
	})
}
