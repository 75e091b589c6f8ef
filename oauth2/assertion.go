package oauth2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// MaxAssertionIDLength bounds a client assertion's jti, in bytes.
const MaxAssertionIDLength = 256

// Client assertions (private_key_jwt: RFC 7523 §3, OpenID Connect Core §9) are one-time
// credentials. ward checks, beyond the signature, iss, sub and aud:
//
//   - jti is required (OpenID Connect Core §9 makes it REQUIRED; RFC 7523 lets the server insist)
//     and is used once: it is remembered in the store ([store.AssertionStore]) until the assertion
//     expires (exp plus the clock leeway), so a second use on any node that shares the store is
//     refused. Only an assertion that passed every other check consumes its jti.
//   - exp is required and at most [MaxAssertionLifetime] after now, measured from the server's
//     clock: an iat that claims an early issue cannot stretch it, and a lifetime is bounded even
//     without iat. This is what bounds how long the server remembers a jti.
//   - iat is optional (both specifications make it so), but one more than the clock leeway in the
//     future is refused: such an assertion was minted by a skewed or forged clock. nbf, when
//     present, is honoured by the JWT library with the same leeway.
//
// client_secret_jwt (an HMAC under the client secret) is not offered: ward keeps only a bcrypt
// hash of a client secret, so it cannot compute the HMAC, and discovery does not list the method.
// An HS256 assertion is refused, as no key of a client's JWKS can check it.

// assertionClaims are the claims of a client assertion that ward checks.
type assertionClaims struct {
	jwt.RegisteredClaims
}

// checkAssertionTimes applies the rules above to the times of claims that the JWT library has
// already checked for expiry.
func checkAssertionTimes(claims *assertionClaims, now time.Time) error {
	if claims.ID == "" {
		return errors.New("the assertion has no jti")
	}
	if len(claims.ID) > MaxAssertionIDLength {
		return errors.New("the assertion's jti is too long")
	}
	if claims.ExpiresAt == nil {
		return errors.New("the assertion has no exp")
	}
	if claims.IssuedAt != nil && claims.IssuedAt.After(now.Add(clockLeeway)) {
		return errors.New("the assertion's iat is in the future")
	}
	if claims.ExpiresAt.Sub(now) > MaxAssertionLifetime {
		return errors.New("the assertion's exp is more than an hour away")
	}
	return nil
}

func (p *Provider) authenticateAssertion(ctx context.Context, cred ClientCredentials) (*Client, error) {
	fail := func(why string) (*Client, error) {
		return nil, InvalidClient("client authentication failed").WithCause(errors.New(why))
	}
	if cred.AssertionType != ClientAssertionType {
		return fail("client_assertion_type is not " + ClientAssertionType)
	}
	subject, err := AssertionSubject(cred.Assertion)
	if err != nil {
		return nil, err
	}
	if cred.ID != "" && cred.ID != subject {
		return fail("client_id differs from the assertion's sub")
	}
	c, err := p.authClient(ctx, subject)
	if err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			p.dummyAssertionCheck(cred.Assertion)
			return fail("unknown client")
		}
		return nil, AsError(err)
	}
	if c.AuthMethod != AuthPrivateKeyJWT {
		p.dummyAssertionCheck(cred.Assertion)
		return fail("the client registered " + string(c.AuthMethod) + " but presented private_key_jwt")
	}
	keys, err := ParseJWKS(c.JWKS)
	if err != nil {
		return nil, AsError(err)
	}
	var algs []string
	for _, k := range keys {
		algs = append(algs, k.Algorithms()...)
	}
	now := p.now()
	parser := jwt.NewParser(
		jwt.WithValidMethods(algs),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(c.ID),
		jwt.WithSubject(c.ID),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(clockLeeway),
	)
	var claims assertionClaims
	_, err = parser.ParseWithClaims(cred.Assertion, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		alg := t.Method.Alg()
		for _, k := range keys {
			if (kid == "" || k.ID == kid) && slices.Contains(k.Algorithms(), alg) {
				return k.Key, nil
			}
		}
		return nil, errors.New("no key of the client's JWKS fits the assertion's kid and alg")
	})
	if err != nil {
		return fail("the assertion is not valid: " + err.Error())
	}
	if !slices.ContainsFunc(claims.Audience, func(a string) bool {
		return a == p.cfg.Issuer || a == p.endpoint(PathToken) || a == p.cfg.Issuer+"/"
	}) {
		return fail("the assertion's aud names neither the issuer nor the token endpoint")
	}
	if err := checkAssertionTimes(&claims, now); err != nil {
		return fail(err.Error())
	}
	// Remembered until the JWT library would stop accepting the exp, leeway included.
	err = p.st.UseAssertionID(ctx, c.ID, claims.ID, claims.ExpiresAt.Add(clockLeeway), now)
	if errors.Is(err, store.ErrAssertionReplayed) {
		return fail("the assertion's jti was used already")
	}
	if err != nil {
		return nil, AsError(err)
	}
	return c, nil
}

// dummyAssertionCheck spends on an assertion of an unknown client (or of a client that does not
// use private_key_jwt) about the work of checking a real one: an ES256 signature verification,
// which must fail. It keeps the time of a refusal from telling which client IDs exist.
func (p *Provider) dummyAssertionCheck(assertion string) {
	_, _ = jwt.NewParser(jwt.WithValidMethods([]string{"ES256", "RS256"})).Parse(assertion, func(t *jwt.Token) (any, error) {
		if _, ok := t.Method.(*jwt.SigningMethodECDSA); ok {
			return &p.dummyKey.PublicKey, nil
		}
		return nil, errors.New("no key")
	})
}

// newDummyKey returns the key of dummyAssertionCheck: a fresh P-256 key no client holds.
func newDummyKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil { // crypto/rand does not fail (Go 1.24+)
		panic("oauth2: cannot generate a P-256 key: " + err.Error())
	}
	return k
}

// AssertionSubject returns the client ID a client assertion claims (its sub), reading the JWT
// without checking its signature: the caller needs it to find the keys that check it. The error
// is invalid_client for text that is not a JWT of at most MaxAssertionLength bytes with a string
// sub equal to its iss.
func AssertionSubject(assertion string) (string, error) {
	fail := func(why string) (string, error) {
		return "", InvalidClient("client authentication failed").WithCause(errors.New(why))
	}
	if assertion == "" {
		return fail("client_assertion is missing")
	}
	if len(assertion) > MaxAssertionLength {
		return fail("client_assertion is too long")
	}
	var claims jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, &claims); err != nil {
		return fail("client_assertion is not a JWT: " + err.Error())
	}
	if claims.Subject == "" || claims.Subject != claims.Issuer {
		return fail("the assertion's sub must be the client ID and equal its iss")
	}
	return claims.Subject, nil
}
