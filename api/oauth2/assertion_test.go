package oauth2_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// assertionClient registers a private_key_jwt client "signer" at e and returns its key.
func assertionClient(t *testing.T, e *oauth2Env) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := key.PublicKey.Bytes()
	jwks := `{"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","x":"` +
		base64.RawURLEncoding.EncodeToString(pub[1:33]) + `","y":"` + base64.RawURLEncoding.EncodeToString(pub[33:]) + `"}]}`
	e.createClient(oauth2.Client{
		ID: "signer", AuthMethod: oauth2.AuthPrivateKeyJWT, JWKS: json.RawMessage(jwks),
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}, Scopes: []string{"a"},
	})
	return key
}

// signAssertion signs claims (over a base of iss, sub, aud and exp in a minute) with key.
func signAssertion(t *testing.T, key *ecdsa.PrivateKey, aud string, claims jwt.MapClaims) string {
	t.Helper()
	all := jwt.MapClaims{"iss": "signer", "sub": "signer", "aud": aud, "exp": time.Now().Add(time.Minute).Unix()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
		} else {
			all[k] = v
		}
	}
	tk := jwt.NewWithClaims(jwt.SigningMethodES256, all)
	tk.Header["kid"] = "k1"
	s, err := tk.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// assertionToken asks e's token endpoint for a client credentials token with an assertion and
// returns the response's status and body.
func assertionToken(t *testing.T, e *oauth2Env, assertion string) (int, string) {
	t.Helper()
	resp := e.postForm(oauth2.PathToken, url.Values{
		"grant_type": {"client_credentials"}, "scope": {"a"},
		"client_assertion_type": {oauth2.ClientAssertionType}, "client_assertion": {assertion},
	}, "", "")
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestOAuth2AssertionOneTime(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.OAuth2Store) {
		e := newOAuth2Env(t, st)
		key := assertionClient(t, e)
		aud := e.issuer + oauth2.PathToken
		now := time.Now()
		valid := signAssertion(t, key, aud, jwt.MapClaims{"jti": rand.Text(), "iat": now.Unix()})
		if status, body := assertionToken(t, e, valid); status != http.StatusOK {
			t.Fatalf("first use: %d %s", status, body)
		}
		for _, c := range []struct{ name, assertion string }{
			{"replayed", valid},
			{"without jti", signAssertion(t, key, aud, jwt.MapClaims{"iat": now.Unix()})},
			{"iat in the future", signAssertion(t, key, aud, jwt.MapClaims{"jti": rand.Text(),
				"iat": now.Add(10 * time.Minute).Unix(), "exp": now.Add(65 * time.Minute).Unix()})},
			{"exp more than an hour from now, iat in the future", signAssertion(t, key, aud, jwt.MapClaims{"jti": rand.Text(),
				"iat": now.Add(30 * time.Minute).Unix(), "exp": now.Add(80 * time.Minute).Unix()})},
			{"jti too long", signAssertion(t, key, aud, jwt.MapClaims{"jti": strings.Repeat("j", oauth2.MaxAssertionIDLength+1)})},
		} {
			status, body := assertionToken(t, e, c.assertion)
			if status != http.StatusUnauthorized || !strings.Contains(body, `"invalid_client"`) {
				t.Errorf("%s: %d %s; want 401 invalid_client", c.name, status, body)
			}
			e.assertNoSecrets(c.assertion)
		}
		logs := e.logs.String()
		for _, why := range []string{"jti was used already", "has no jti", "iat is in the future", "jti is too long"} {
			if !strings.Contains(logs, why) {
				t.Errorf("no log says %q", why)
			}
		}
		// A small clock skew is tolerated, and iat is optional.
		for name, claims := range map[string]jwt.MapClaims{
			"iat 10 s ahead": {"jti": rand.Text(), "iat": now.Add(10 * time.Second).Unix()},
			"no iat":         {"jti": rand.Text()},
		} {
			if status, body := assertionToken(t, e, signAssertion(t, key, aud, claims)); status != http.StatusOK {
				t.Errorf("%s: %d %s; want 200", name, status, body)
			}
		}
		e.assertNoSecrets(valid)
	})
}

// TestOAuth2AssertionReplayAcrossNodes: two ward nodes over one PostgreSQL database; an assertion
// used at one is refused at the other.
func TestOAuth2AssertionReplayAcrossNodes(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL tests are skipped in -short mode")
	}
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	node := func(opts ...envOption) *oauth2Env {
		s, err := sql.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return newOAuth2Env(t, s.OAuth2(), opts...)
	}
	a := node()
	// Nodes behind one load balancer share one issuer.
	b := node(func(c *oauth2.Config) { c.Issuer = a.issuer })
	key := assertionClient(t, a)
	aud := a.issuer + oauth2.PathToken
	for _, order := range [][2]*oauth2Env{{a, b}, {b, a}} {
		assertion := signAssertion(t, key, aud, jwt.MapClaims{"jti": rand.Text(), "iat": time.Now().Unix()})
		if status, body := assertionToken(t, order[0], assertion); status != http.StatusOK {
			t.Fatalf("first use: %d %s", status, body)
		}
		if status, body := assertionToken(t, order[1], assertion); status != http.StatusUnauthorized {
			t.Fatalf("replay at the other node: %d %s; want 401", status, body)
		}
	}
}
