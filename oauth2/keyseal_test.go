package oauth2_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	"github.com/wardhq/ward/store/memory"
)

// Signing keys are stored sealed under the token secrets: the store holds no usable private key, a
// Provider whose secrets list the sealing one (first or not) reads them, one without it refuses
// with a message that says why, and keys stored unsealed by an older ward are still read.
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
	if fault.CodeOf(err) != fault.Internal || !strings.Contains(err.Error(), "token secret that is no longer configured") {
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
