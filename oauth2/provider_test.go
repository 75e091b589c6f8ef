package oauth2_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

var tokenSecret = []byte("0123456789abcdef0123456789abcdef-provider-test")

func testConfig() oauth2.Config {
	return oauth2.Config{
		Issuer:       "https://id.example.com",
		LoginURL:     "https://login.example.com/login",
		ConsentURL:   "https://login.example.com/consent",
		TokenSecrets: [][]byte{tokenSecret},
		Logger:       slog.New(slog.DiscardHandler),
	}
}

func newProvider(t testing.TB, st store.OAuth2Store, edit func(*oauth2.Config)) *oauth2.Provider {
	t.Helper()
	cfg := testConfig()
	if edit != nil {
		edit(&cfg)
	}
	p, err := oauth2.NewProvider(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run starts p.Run until the test ends.
func run(t testing.TB, p *oauth2.Provider) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = p.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func TestNewProviderValidatesConfig(t *testing.T) {
	for _, c := range []struct {
		field string
		edit  func(*oauth2.Config)
	}{
		{"issuer", func(c *oauth2.Config) { c.Issuer = "" }},
		{"issuer", func(c *oauth2.Config) { c.Issuer = "http://id.example.com" }},
		{"issuer", func(c *oauth2.Config) { c.Issuer = "https://id.example.com?x=1" }},
		{"login_url", func(c *oauth2.Config) { c.LoginURL = "" }},
		{"consent_url", func(c *oauth2.Config) { c.ConsentURL = "ftp://x" }},
		{"token_secrets", func(c *oauth2.Config) { c.TokenSecrets = nil }},
		{"token_secrets[0]", func(c *oauth2.Config) { c.TokenSecrets = [][]byte{[]byte("short")} }},
		{"signing_algorithm", func(c *oauth2.Config) { c.SigningAlgorithm = "HS256" }},
	} {
		cfg := testConfig()
		c.edit(&cfg)
		_, err := oauth2.NewProvider(memory.NewOAuth2Store(), cfg)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != c.field {
			t.Errorf("%s: %v; want InvalidArgument on %s", c.field, err, c.field)
		}
	}
	p := newProvider(t, memory.NewOAuth2Store(), nil)
	cfg := p.Config()
	if cfg.RevocationBound != time.Second || cfg.AccessTokenLifetime != time.Hour || cfg.SigningAlgorithm != "ES256" {
		t.Errorf("defaults %+v", cfg)
	}
}

func TestClientSecretsAreReturnedOnceAndHashed(t *testing.T) {
	ctx := context.Background()
	st := memory.NewOAuth2Store()
	p := newProvider(t, st, nil)
	c, secret, err := p.CreateClient(ctx, oauth2.Client{
		Name: "svc", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || len(secret) < oauth2.MinSecretLength {
		t.Fatalf("client %q secret of %d bytes", c.ID, len(secret))
	}
	stored, err := st.GetClient(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored.SecretHash, secret) || oauth2.VerifySecret(stored.SecretHash, secret) != nil {
		t.Errorf("the stored hash does not hide or does not verify the secret")
	}
	auth := func(s string) error {
		_, err := p.AuthenticateClient(ctx, oauth2.ClientCredentials{Method: oauth2.AuthClientSecretBasic, ID: c.ID, Secret: s})
		return err
	}
	for range 2 { // the second from the verification cache
		if err := auth(secret); err != nil {
			t.Fatal(err)
		}
	}
	if err := auth(secret[:len(secret)-1] + "!"); !errors.Is(err, &oauth2.Error{Code: oauth2.CodeInvalidClient}) {
		t.Errorf("a wrong secret after a cached success: %v; want invalid_client", err)
	}
	if _, err := p.AuthenticateClient(ctx, oauth2.ClientCredentials{Method: oauth2.AuthClientSecretPost, ID: c.ID, Secret: secret}); err == nil {
		t.Error("a client_secret_basic client authenticated with client_secret_post")
	}

	// An update keeps the secret; a rotation replaces it at once.
	c.Name = "renamed"
	if _, s, err := p.UpdateClient(ctx, *c); err != nil || s != "" {
		t.Fatalf("update: %q, %v", s, err)
	}
	if err := auth(secret); err != nil {
		t.Errorf("the secret stopped working after an update: %v", err)
	}
	newSecret, err := p.RotateClientSecret(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if auth(secret) == nil || auth(newSecret) != nil {
		t.Error("after rotation the old secret works or the new one does not")
	}
	if _, _, err := p.CreateClient(ctx, oauth2.Client{ID: "x", SecretHash: "h", AuthMethod: oauth2.AuthClientSecretBasic,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}}); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("a client created with a hash: %v; want InvalidArgument", err)
	}
	if err := p.DeleteClient(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if auth(newSecret) == nil {
		t.Error("a deleted client authenticated")
	}
}

// The logs of a Provider hold no secret, even at debug level, through a replay (which logs).
func TestProviderLogsHoldNoSecrets(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	p := newProvider(t, memory.NewOAuth2Store(), func(c *oauth2.Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c, secret, err := p.CreateClient(ctx, oauth2.Client{ID: "svc", AuthMethod: oauth2.AuthClientSecretPost,
		GrantTypes: []oauth2.GrantType{oauth2.GrantClientCredentials}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := p.Token(ctx, c, oauth2.TokenRequest{GrantType: oauth2.GrantClientCredentials})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = p.AuthenticateClient(ctx, oauth2.ClientCredentials{Method: oauth2.AuthClientSecretPost, ID: "svc", Secret: secret + "x"})
	_, _ = p.Introspect(ctx, resp.AccessToken)
	_ = p.Revoke(ctx, resp.AccessToken, "svc")
	for _, s := range []string{secret, resp.AccessToken} {
		if strings.Contains(buf.String(), s) {
			t.Errorf("the logs hold a secret")
		}
	}
}

func TestConsentsAndLoginSessionsAdmin(t *testing.T) {
	ctx := context.Background()
	st := memory.NewOAuth2Store()
	p := newProvider(t, st, nil)
	now := time.Now().UTC().Truncate(time.Second)
	for _, c := range []string{"b", "a"} {
		if err := st.RememberConsent(ctx, &store.RememberedConsent{Subject: "alice", ClientID: c, Scopes: []string{"openid"}, GrantedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := p.ListConsents(ctx, "alice")
	if err != nil || len(got) != 2 || got[0].ClientID != "a" || got[1].Scopes[0] != "openid" {
		t.Fatalf("ListConsents: %+v, %v", got, err)
	}
	if n, err := p.RevokeConsent(ctx, "alice", "a"); err != nil || n != 0 {
		t.Fatalf("RevokeConsent: %d, %v", n, err)
	}
	if got, _ := p.ListConsents(ctx, "alice"); len(got) != 1 || got[0].ClientID != "b" {
		t.Errorf("after RevokeConsent: %+v", got)
	}
	for _, id := range []string{"s1", "s2"} {
		if err := st.CreateLoginSession(ctx, &store.LoginSession{ID: id, Subject: "alice", AuthenticatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := p.RevokeLoginSessions(ctx, "alice"); err != nil || n != 2 {
		t.Errorf("RevokeLoginSessions: %d, %v; want 2", n, err)
	}
	if _, err := p.ListConsents(ctx, ""); fault.CodeOf(err) != fault.InvalidArgument {
		t.Errorf("ListConsents without a subject: %v", err)
	}
}
