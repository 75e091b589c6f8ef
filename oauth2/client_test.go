package oauth2_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
)

// webClient returns a valid confidential client of the authorization code grant.
func webClient(t *testing.T) *oauth2.Client {
	_, hash := testSecret()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return &oauth2.Client{
		ID:            "web-app_1.0~x",
		SecretHash:    hash,
		Name:          "Web app — café",
		RedirectURIs:  []string{"https://app.example/callback", "http://127.0.0.1:8080/cb"},
		GrantTypes:    []oauth2.GrantType{oauth2.GrantAuthorizationCode, oauth2.GrantRefreshToken},
		ResponseTypes: []string{"code"},
		Scopes:        []string{"openid", "offline_access", "doc:read"},
		Audiences:     []string{"https://api.example"},
		AuthMethod:    oauth2.AuthClientSecretBasic,
		CreatedAt:     now,
		UpdatedAt:     now.Add(time.Hour),
	}
}

func TestValidateAcceptsClients(t *testing.T) {
	k := testKeys()
	for name, change := range map[string]func(*oauth2.Client){
		"web app": func(*oauth2.Client) {},
		"service": func(c *oauth2.Client) {
			c.GrantTypes, c.ResponseTypes, c.RedirectURIs = []oauth2.GrantType{oauth2.GrantClientCredentials}, nil, nil
			c.AuthMethod = oauth2.AuthClientSecretPost
		},
		"public native app": func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash = oauth2.AuthNone, ""
			c.RedirectURIs = []string{"http://localhost/cb", "http://[::1]:9000/cb", "http://127.1.2.3/cb"}
		},
		"device": func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash, c.ResponseTypes, c.RedirectURIs = oauth2.AuthNone, "", nil, nil
			c.GrantTypes = []oauth2.GrantType{oauth2.GrantDeviceCode, oauth2.GrantRefreshToken}
		},
		"private_key_jwt": func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash = oauth2.AuthPrivateKeyJWT, ""
			c.JWKS = jwks(ecJWK("k1", &k.ec.PublicKey))
			c.GrantTypes = append(c.GrantTypes, oauth2.GrantClientCredentials)
		},
		"no name, scopes or audiences": func(c *oauth2.Client) { c.Name, c.Scopes, c.Audiences = "", nil, nil },
		"no times":                     func(c *oauth2.Client) { c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{} },
	} {
		t.Run(name, func(t *testing.T) {
			c := webClient(t)
			change(c)
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestValidateRefusesClients(t *testing.T) {
	k := testKeys()
	for _, tc := range []struct {
		name   string
		field  string
		change func(*oauth2.Client)
	}{
		{"no ID", "client_id", func(c *oauth2.Client) { c.ID = "" }},
		{"ID with a colon", "client_id", func(c *oauth2.Client) { c.ID = "a:b" }},
		{"ID too long", "client_id", func(c *oauth2.Client) { c.ID = strings.Repeat("a", 256) }},
		{"name with a newline", "client_name", func(c *oauth2.Client) { c.Name = "a\nb" }},
		{"name not UTF-8", "client_name", func(c *oauth2.Client) { c.Name = "\xff" }},
		{"no auth method", "token_endpoint_auth_method", func(c *oauth2.Client) { c.AuthMethod = "" }},
		{"unknown auth method", "token_endpoint_auth_method", func(c *oauth2.Client) { c.AuthMethod = "tls_client_auth" }},
		{"basic without secret", "client_secret", func(c *oauth2.Client) { c.SecretHash = "" }},
		{"secret not hashed", "secret_hash", func(c *oauth2.Client) { c.SecretHash = oauth2.NewSecret() }},
		{"public with secret", "client_secret", func(c *oauth2.Client) { c.AuthMethod = oauth2.AuthNone }},
		{"public client_credentials", "grant_types", func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash = oauth2.AuthNone, ""
			c.GrantTypes = append(c.GrantTypes, oauth2.GrantClientCredentials)
		}},
		{"private_key_jwt without keys", "jwks", func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash = oauth2.AuthPrivateKeyJWT, ""
		}},
		{"private_key_jwt with bad keys", "jwks.keys[0].crv", func(c *oauth2.Client) {
			c.AuthMethod, c.SecretHash = oauth2.AuthPrivateKeyJWT, ""
			c.JWKS = jwks(with(ecJWK("k", &k.ec.PublicKey), "crv", "P-192"))
		}},
		{"keys without private_key_jwt", "jwks", func(c *oauth2.Client) { c.JWKS = jwks(ecJWK("k", &k.ec.PublicKey)) }},
		{"no grant", "grant_types", func(c *oauth2.Client) { c.GrantTypes = nil }},
		{"unknown grant", "grant_types[1]", func(c *oauth2.Client) { c.GrantTypes[1] = "password" }},
		{"implicit grant", "grant_types[0]", func(c *oauth2.Client) { c.GrantTypes[0] = "implicit" }},
		{"duplicate grant", "grant_types[1]", func(c *oauth2.Client) { c.GrantTypes[1] = c.GrantTypes[0] }},
		{"refresh alone", "grant_types", func(c *oauth2.Client) {
			c.GrantTypes, c.ResponseTypes = []oauth2.GrantType{oauth2.GrantRefreshToken}, nil
		}},
		{"code without response type", "response_types", func(c *oauth2.Client) { c.ResponseTypes = nil }},
		{"token response type", "response_types[0]", func(c *oauth2.Client) { c.ResponseTypes = []string{"token"} }},
		{"duplicate response type", "response_types[1]", func(c *oauth2.Client) { c.ResponseTypes = []string{"code", "code"} }},
		{"response type without code grant", "response_types", func(c *oauth2.Client) {
			c.GrantTypes = []oauth2.GrantType{oauth2.GrantClientCredentials}
		}},
		{"code without redirect URI", "redirect_uris", func(c *oauth2.Client) { c.RedirectURIs = nil }},
		{"relative redirect", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "/callback" }},
		{"redirect with fragment", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://app.example/cb#x" }},
		{"redirect with empty fragment", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://app.example/cb#" }},
		{"http redirect", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "http://app.example/cb" }},
		{"http on a look-alike", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "http://localhost.evil.example/cb" }},
		{"custom scheme", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "com.example.app:/cb" }},
		{"javascript", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "javascript:alert(1)" }},
		{"upper-case scheme", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "HTTPS://app.example/cb" }},
		{"user info", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://app.example@evil.example/cb" }},
		{"wildcard host", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://*.app.example/cb" }},
		{"space", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://app.example/a b" }},
		{"no host", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https:///cb" }},
		{"bad port", "redirect_uris[0]", func(c *oauth2.Client) { c.RedirectURIs[0] = "https://app.example:x/cb" }},
		{"duplicate redirect", "redirect_uris[1]", func(c *oauth2.Client) { c.RedirectURIs[1] = c.RedirectURIs[0] }},
		{"too many redirects", "redirect_uris", func(c *oauth2.Client) { c.RedirectURIs = make([]string, 33) }},
		{"scope with space", "scopes[2]", func(c *oauth2.Client) { c.Scopes[2] = "doc read" }},
		{"empty scope", "scopes[0]", func(c *oauth2.Client) { c.Scopes[0] = "" }},
		{"scope with quote", "scopes[1]", func(c *oauth2.Client) { c.Scopes[1] = `a"b` }},
		{"duplicate scope", "scopes[2]", func(c *oauth2.Client) { c.Scopes[2] = "openid" }},
		{"duplicate audience", "audiences[1]", func(c *oauth2.Client) { c.Audiences = append(c.Audiences, c.Audiences[0]) }},
		{"audience with space", "audiences[0]", func(c *oauth2.Client) { c.Audiences[0] = "a b" }},
		{"updated before created", "updated_at", func(c *oauth2.Client) { c.UpdatedAt = c.CreatedAt.Add(-time.Second) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := webClient(t)
			tc.change(c)
			err := c.Validate()
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != tc.field {
				t.Fatalf("Validate = %v (field %q); want InvalidArgument on %q", err, fieldOf(err), tc.field)
			}
		})
	}
}

func TestMatchRedirectURI(t *testing.T) {
	c := webClient(t)
	const registered = "https://app.example/callback"
	if !c.MatchRedirectURI(registered) {
		t.Fatalf("the registered URI %q does not match", registered)
	}
	for _, uri := range []string{
		"", "https://app.example/callback/", "https://app.example/callbac", "https://app.example/Callback",
		"https://APP.example/callback", "HTTPS://app.example/callback", "https://app.example:443/callback",
		"https://app.example/callback?x=1", "https://app.example/callback#", "https://app.example/%63allback",
		"https://app.example/callback ", " https://app.example/callback", "https://app.example./callback",
		"http://app.example/callback", "https://app.example/callback/../callback", "http://127.0.0.1:8081/cb",
	} {
		if c.MatchRedirectURI(uri) {
			t.Errorf("MatchRedirectURI(%q) = true; only %q is registered", uri, registered)
		}
	}
	// Every one-character change of the registered URI is refused.
	for i := range len(registered) {
		for _, x := range []byte{0x01, 0x20} {
			b := []byte(registered)
			b[i] ^= x
			if c.MatchRedirectURI(string(b)) {
				t.Errorf("MatchRedirectURI(%q) = true", b)
			}
		}
		if c.MatchRedirectURI(registered[:i] + registered[i+1:]) {
			t.Errorf("MatchRedirectURI without byte %d = true", i)
		}
	}
}

func TestResolveRedirectURI(t *testing.T) {
	c := webClient(t)
	if got, err := c.ResolveRedirectURI("http://127.0.0.1:8080/cb"); err != nil || got != "http://127.0.0.1:8080/cb" {
		t.Errorf("a registered URI: %q, %v", got, err)
	}
	if _, err := c.ResolveRedirectURI("https://evil.example/cb"); !errors.Is(err, invalidRequest) {
		t.Errorf("an unregistered URI: %v; want invalid_request", err)
	}
	if _, err := c.ResolveRedirectURI(""); !errors.Is(err, invalidRequest) {
		t.Errorf("no URI with two registered: %v; want invalid_request", err)
	}
	c.RedirectURIs = c.RedirectURIs[:1]
	if got, err := c.ResolveRedirectURI(""); err != nil || got != c.RedirectURIs[0] {
		t.Errorf("no URI with one registered: %q, %v", got, err)
	}
	c.RedirectURIs = nil
	if _, err := c.ResolveRedirectURI(""); !errors.Is(err, invalidRequest) {
		t.Errorf("no URI with none registered: %v; want invalid_request", err)
	}
}

func TestClientPredicates(t *testing.T) {
	c := webClient(t)
	if c.Public() || !c.AllowsGrant(oauth2.GrantRefreshToken) || c.AllowsGrant(oauth2.GrantClientCredentials) {
		t.Errorf("predicates of %+v are wrong", c)
	}
	c.AuthMethod = oauth2.AuthNone
	if !c.Public() {
		t.Error("a client with auth method none is not public")
	}
}
