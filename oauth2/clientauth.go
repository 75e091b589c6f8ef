package oauth2

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/wardhq/ward/fault"
)

// ClientAssertionType is the client_assertion_type of private_key_jwt (RFC 7523 §2.2).
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// Limits of client authentication.
const (
	// MaxAssertionLength bounds a client assertion, in bytes.
	MaxAssertionLength = 8 << 10
	// MaxAssertionLifetime is the longest an assertion may be valid for, measured from now to its
	// exp: a long-lived assertion is a credential that can be stolen and replayed, and its jti is
	// remembered until it expires.
	MaxAssertionLifetime = time.Hour
	// secretCacheTTL is how long a successful secret verification is remembered.
	secretCacheTTL  = 5 * time.Minute
	secretCacheSize = 10_000
	clockLeeway     = 30 * time.Second
)

// ClientCredentials are the credentials a request presented, as the transport found them. Method
// says which way: client_secret_basic (the Authorization header), client_secret_post (the form's
// client_secret), private_key_jwt (client_assertion), or none (only client_id).
type ClientCredentials struct {
	Method        AuthMethod
	ID            string // client_id, or the Basic user name; may be empty with an assertion
	Secret        string
	Assertion     string
	AssertionType string
	// Source is the caller's network address (an IP address, without port), for the limiter of
	// failed authentications and the logs; "" when unknown.
	Source string
}

// authenticateClient checks credentials and returns the client they prove. A client must use the
// method it registered (token_endpoint_auth_method); a public client presents only its ID.
//
// Secrets are verified with bcrypt once, then remembered for a few minutes by client and SHA-256
// of the secret (compared in constant time), because bcrypt costs tens of milliseconds. A
// private_key_jwt assertion (RFC 7523) must be signed by a key of the client's JWKS, have iss and
// sub equal to the client ID, an aud naming the issuer or the token endpoint, and an exp in the
// next MaxAssertionLifetime, and a jti not used before (see assertion.go).
//
// The error is invalid_client, the same whatever failed (so that it tells nothing about which
// clients exist); its cause says what, and never holds the secret or the assertion.
//
// A presented secret costs one bcrypt verification whether or not the client exists or uses a
// secret: against the client's hash, or against dummySecretHash.
func (p *Provider) authenticateClient(ctx context.Context, cred ClientCredentials) (*Client, error) {
	if cred.Method == AuthPrivateKeyJWT {
		return p.authenticateAssertion(ctx, cred)
	}
	if cred.ID == "" {
		return nil, InvalidClient("client authentication failed").WithCause(errors.New("no client_id"))
	}
	secret := cred.Method == AuthClientSecretBasic || cred.Method == AuthClientSecretPost
	c, err := p.authClient(ctx, cred.ID)
	if err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			if secret {
				_ = VerifySecret(dummySecretHash, cred.Secret)
			}
			return nil, InvalidClient("client authentication failed").WithCause(errors.New("unknown client"))
		}
		return nil, AsError(err)
	}
	if c.AuthMethod != cred.Method {
		if secret {
			_ = VerifySecret(dummySecretHash, cred.Secret)
		}
		return nil, InvalidClient("client authentication failed").WithCause(
			errors.New("the client registered " + string(c.AuthMethod) + " but presented " + string(cred.Method)))
	}
	switch cred.Method {
	case AuthNone:
		return c, nil
	case AuthClientSecretBasic, AuthClientSecretPost:
		if p.secrets.verified(c.ID, c.SecretHash, cred.Secret) {
			return c, nil
		}
		if err := VerifySecret(c.SecretHash, cred.Secret); err != nil {
			return nil, AsError(err)
		}
		p.secrets.remember(c.ID, c.SecretHash, cred.Secret)
		return c, nil
	}
	return nil, InvalidClient("client authentication failed").WithCause(errors.New("unknown authentication method"))
}

// authClient returns a client for authentication: from a cache whose entries live for the
// revocation bound, so that the token and introspection endpoints do not read the store on every
// request. A change to a client made by this Provider is seen at once, one made by another
// within the bound. Only found clients are cached.
func (p *Provider) authClient(ctx context.Context, id string) (*Client, error) {
	if c, ok := p.clients.Get(id); ok {
		return c, nil
	}
	c, err := p.GetClient(ctx, id)
	if err != nil {
		return nil, err
	}
	p.clients.Add(id, c)
	return c, nil
}

// secretCache remembers successful secret verifications: per client and stored hash, the SHA-256
// of the secret that matched. A changed hash (a rotated secret) misses.
type secretCache struct {
	lru *expirable.LRU[string, [sha256.Size]byte]
}

func newSecretCache() *secretCache {
	return &secretCache{lru: expirable.NewLRU[string, [sha256.Size]byte](secretCacheSize, nil, secretCacheTTL)}
}

func (s *secretCache) verified(clientID, hash, secret string) bool {
	want, ok := s.lru.Get(clientID + "\x00" + hash)
	if !ok {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

func (s *secretCache) remember(clientID, hash, secret string) {
	s.lru.Add(clientID+"\x00"+hash, sha256.Sum256([]byte(secret)))
}

// forget drops every entry of the client.
func (s *secretCache) forget(clientID string) {
	for _, k := range s.lru.Keys() {
		if len(k) > len(clientID) && k[:len(clientID)+1] == clientID+"\x00" {
			s.lru.Remove(k)
		}
	}
}
