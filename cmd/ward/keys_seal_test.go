package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	storesql "github.com/wardhq/ward/store/sql"
	"github.com/wardhq/ward/store/sql/pgtest"
)

// Token secrets of the tests below, random-looking enough for checkTokenSecrets.
const (
	sealSecret  = "Hq7vN2xK9pLm4RtY8wZc3FjB6sDg1EuA"
	otherSecret = "pX4mQ8zR2vT6yN1kW9cJ5hL3bF7dG0sE"
)

// keysSealCLI runs `ward keys seal` in this process with the given environment.
func keysSealCLI(t *testing.T, environ []string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newRootCommand(&out, &errOut, func() []string { return environ })
	cmd.SetArgs(append([]string{"keys", "seal"}, args...))
	err := cmd.ExecuteContext(t.Context())
	return out.String(), err
}

// serveOnce runs serve over dsn with secrets; if it starts, it fetches the JWKS over loopback and
// stops it. It returns the JWKS, or serve's error when it did not start.
func serveOnce(t *testing.T, dsn string, secrets ...string) ([]byte, error) {
	t.Helper()
	cfg := defaultServeConfig()
	cfg.PublicAddr, cfg.AdminAddr = "127.0.0.1:0", "127.0.0.1:0"
	cfg.ShutdownTimeout = 5 * time.Second
	cfg.DSN, cfg.TokenSecrets = dsn, secrets
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ready := make(chan [2]string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	var addrs [2]string
	select {
	case addrs = <-ready:
	case err := <-done:
		return nil, err
	}
	defer func() { cancel(); <-done }()
	res, err := http.Get("http://" + addrs[0] + oauth2.PathJWKS)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s, %v", oauth2.PathJWKS, res.StatusCode, body, err)
	}
	return body, nil
}

// plantUnsealed writes an active signing key straight into the database, its private key in the
// clear: as a ward from before sealing left them, or as someone who can write the table might.
func plantUnsealed(t *testing.T, dsn, id string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := storesql.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.OAuth2().CreateSigningKey(t.Context(), &store.SigningKey{
		ID: id, Algorithm: "ES256", PrivateKey: der, CreatedAt: time.Now().Add(time.Hour).UTC(),
	}); err != nil {
		t.Fatal(err)
	}
}

// A signing key planted unsealed in PostgreSQL stops `ward serve` with a message naming it and
// the command to run; `ward keys seal` seals it (once: a second run has nothing to do), and serve
// then starts and publishes it. Keys sealed under a secret that is no longer in token_secrets
// stop serve too, with the reason; listing that secret after the current one lets it start.
func TestServeRefusesUnsealedSigningKeys(t *testing.T) {
	dsn := pgtest.Shared(t).NewMigratedDatabase(t)
	if _, err := serveOnce(t, dsn, sealSecret); err != nil { // makes a sealed key
		t.Fatalf("serve over a new database: %v", err)
	}
	plantUnsealed(t, dsn, "planted-kid")

	_, err := serveOnce(t, dsn, sealSecret)
	if want := "signing key kid=planted-kid is not sealed: run `ward keys seal`"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("serve over an unsealed key: %v; want an error containing %q", err, want)
	}

	env := []string{"WARD_DSN=" + dsn, "WARD_TOKEN_SECRETS=" + sealSecret}
	out, err := keysSealCLI(t, env)
	if err != nil || out != "sealed signing key kid=planted-kid (ES256)\n" {
		t.Fatalf("keys seal = %q, %v", out, err)
	}
	out, err = keysSealCLI(t, env)
	if err != nil || out != "every signing key is sealed already\n" {
		t.Errorf("keys seal again = %q, %v; want nothing done", out, err)
	}

	jwks, err := serveOnce(t, dsn, sealSecret)
	if err != nil {
		t.Fatalf("serve after keys seal: %v", err)
	}
	if !bytes.Contains(jwks, []byte(`"kid":"planted-kid"`)) {
		t.Errorf("JWKS after sealing = %s; want the sealed key in it", jwks)
	}

	_, err = serveOnce(t, dsn, otherSecret)
	if want := "was sealed under a secret that is not in token_secrets"; err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "kid=planted-kid") {
		t.Errorf("serve without the sealing secret: %v; want an error naming the key and %q", err, want)
	}
	if _, err := serveOnce(t, dsn, otherSecret, sealSecret); err != nil {
		t.Errorf("serve with the sealing secret listed second: %v", err)
	}
}

// `ward keys seal` needs a database and a token secret, and says so.
func TestKeysSealNeedsDatabaseAndSecret(t *testing.T) {
	if _, err := keysSealCLI(t, nil); err == nil || !strings.Contains(err.Error(), "set --dsn or WARD_DSN") {
		t.Errorf("keys seal without a database: %v", err)
	}
	if _, err := keysSealCLI(t, []string{"WARD_DSN=postgres://127.0.0.1:1/ward"}); err == nil || !strings.Contains(err.Error(), "no token secret given") {
		t.Errorf("keys seal without a token secret: %v", err)
	}
}
