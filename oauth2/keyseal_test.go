package oauth2_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store"
	"github.com/wardhq/ward/store/memory"
)

// Signing keys are stored sealed under the token secrets: the store holds no usable private key, a
// Provider whose secrets list the sealing one (first or not) reads them, one without it refuses
// with a message that says why.
func TestSigningKeysSealedAtRest(t *testing.T) {
	ctx := context.Background()
	st := memory.NewOAuth2Store()
	p := newProvider(t, st, nil)
	before, err := p.JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := st.ListSigningKeys(ctx)
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored keys = %v, %v", stored, err)
	}
	if _, err := x509.ParsePKCS8PrivateKey(stored[0].PrivateKey); err == nil {
		t.Fatal("the store holds the private key in the clear")
	}

	// The secret rotated: the old one still listed, second, opens the key.
	other := []byte(strings.Repeat("r", 32))
	rotated := newProvider(t, st, func(c *oauth2.Config) { c.TokenSecrets = [][]byte{other, tokenSecret} })
	if after, err := rotated.JWKS(ctx); err != nil || !bytes.Equal(after, before) {
		t.Errorf("JWKS after a secret rotation = %s, %v; want the same key", after, err)
	}

	// Without the sealing secret the key cannot be read, and the store is left as it was.
	stranger := newProvider(t, st, func(c *oauth2.Config) { c.TokenSecrets = [][]byte{other} })
	_, err = stranger.JWKS(ctx)
	if fault.CodeOf(err) != fault.Internal || !strings.Contains(err.Error(), "was sealed under a secret that is not in token_secrets") {
		t.Errorf("JWKS without the sealing secret: %v", err)
	}
	if again, _ := st.ListSigningKeys(ctx); len(again) != 1 || !bytes.Equal(again[0].PrivateKey, stored[0].PrivateKey) {
		t.Error("a Provider that could not open the key changed the stored keys")
	}

	// A sealed key moved to another ID does not open.
	moved := *stored[0]
	moved.ID = "moved"
	st2 := memory.NewOAuth2Store()
	if err := st2.CreateSigningKey(ctx, &moved); err != nil {
		t.Fatal(err)
	}
	if _, err := newProvider(t, st2, nil).JWKS(ctx); err == nil {
		t.Error("a sealed key opened under another key ID")
	}
}

// plantUnsealedKey writes an active ES256 signing key into st around ward, its private key in the
// clear, as a ward from before sealing stored them (or as someone with write access to the table
// might, to have ward sign with a key of theirs); it is newer than any key ward made.
func plantUnsealedKey(t *testing.T, st store.OAuth2Store, id string) *store.SigningKey {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(testKeys().ec)
	if err != nil {
		t.Fatal(err)
	}
	k := &store.SigningKey{ID: id, Algorithm: "ES256", PrivateKey: der, CreatedAt: time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)}
	if err := st.CreateSigningKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

// A signing key stored unsealed is refused, on the embedded store and on PostgreSQL: it is not
// published and does not sign (the sealed key keeps signing), an error names its kid and the
// command to run, and CheckSigningKeys reports it. SealSigningKeys seals it, once: a second run
// finds nothing to do, and the key is then used.
func TestUnsealedSigningKeyRefused(t *testing.T) {
	for name, newStore := range stores() {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := newStore(t)
			if _, err := newProvider(t, st, nil).JWKS(ctx); err != nil { // makes the sealed key
				t.Fatal(err)
			}
			planted := plantUnsealedKey(t, st, "planted-kid")

			var logs bytes.Buffer
			p := newProvider(t, st, func(c *oauth2.Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
			const refusal = "signing key kid=planted-kid is not sealed: run `ward keys seal`"
			if err := p.CheckSigningKeys(ctx); err == nil || !strings.Contains(err.Error(), refusal) {
				t.Errorf("CheckSigningKeys = %v; want %q", err, refusal)
			}
			set, err := p.JWKS(ctx)
			if err != nil {
				t.Fatalf("JWKS with a refused key beside a sealed one: %v", err)
			}
			if bytes.Contains(set, []byte("planted-kid")) || !bytes.Contains(set, []byte(`"kid"`)) {
				t.Errorf("JWKS = %s; want the sealed key only", set)
			}
			if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "kid=planted-kid") || !strings.Contains(l, "ward keys seal") {
				t.Errorf("log = %q; want an error naming the kid and the command", l)
			}

			// Alone, the refused key leaves nothing to sign with, rather than being used.
			alone := newStore(t)
			plantUnsealedKey(t, alone, "planted-kid")
			if _, err := newProvider(t, alone, nil).JWKS(ctx); err == nil {
				t.Error("JWKS over only an unsealed key succeeded")
			}

			sealed, err := oauth2.SealSigningKeys(ctx, st, [][]byte{tokenSecret})
			if err != nil || len(sealed) != 1 || sealed[0].ID != "planted-kid" {
				t.Fatalf("SealSigningKeys = %v, %v; want planted-kid", sealed, err)
			}
			if again, err := oauth2.SealSigningKeys(ctx, st, [][]byte{tokenSecret}); err != nil || len(again) != 0 {
				t.Errorf("SealSigningKeys again = %v, %v; want nothing to do", again, err)
			}
			keys, _ := st.ListSigningKeys(ctx)
			for _, k := range keys {
				if k.ID == "planted-kid" && bytes.Contains(k.PrivateKey, planted.PrivateKey) {
					t.Error("the sealed key is still stored in the clear")
				}
			}
			fresh := newProvider(t, st, nil)
			if err := fresh.CheckSigningKeys(ctx); err != nil {
				t.Errorf("CheckSigningKeys after sealing: %v", err)
			}
			if set, err := fresh.JWKS(ctx); err != nil || !bytes.Contains(set, []byte("planted-kid")) {
				t.Errorf("JWKS after sealing = %s, %v; want the sealed key", set, err)
			}
			// Sealed under a secret no longer listed, it is refused with the reason.
			other := []byte(strings.Repeat("q", 32) + "-other-secret")
			stranger := newProvider(t, st, func(c *oauth2.Config) { c.TokenSecrets = [][]byte{other} })
			if err := stranger.CheckSigningKeys(ctx); err == nil || !strings.Contains(err.Error(), "kid=planted-kid was sealed under a secret that is not in token_secrets") {
				t.Errorf("CheckSigningKeys without the sealing secret = %v", err)
			}
		})
	}
}

// A key stored unsealed whose bytes are not a private key is not sealed: an error names it.
func TestSealSigningKeysRefusesGarbage(t *testing.T) {
	ctx := context.Background()
	st := memory.NewOAuth2Store()
	if err := st.CreateSigningKey(ctx, &store.SigningKey{ID: "junk", Algorithm: "ES256", PrivateKey: []byte("not a key"), CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := oauth2.SealSigningKeys(ctx, st, [][]byte{tokenSecret}); err == nil || !strings.Contains(err.Error(), "kid=junk") {
		t.Errorf("SealSigningKeys of a key that is not one = %v", err)
	}
	if _, err := oauth2.SealSigningKeys(ctx, st, nil); err == nil {
		t.Error("SealSigningKeys without a secret succeeded")
	}
}
