package oauth2_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
)

var invalidClient = &oauth2.Error{Code: oauth2.CodeInvalidClient}

// testSecret and its hash are computed once: bcrypt is slow by design.
var testSecret = sync.OnceValues(func() (string, string) {
	s := oauth2.NewSecret()
	h, err := oauth2.HashSecret(s)
	if err != nil {
		panic(err)
	}
	return s, h
})

func TestNewSecret(t *testing.T) {
	a, b := oauth2.NewSecret(), oauth2.NewSecret()
	raw, err := base64.RawURLEncoding.DecodeString(a)
	if err != nil || len(raw) != 32 || len(a) != 43 {
		t.Errorf("secret %q: %d bytes, %v; want 32 bytes in 43 base64url characters", a, len(raw), err)
	}
	if a == b {
		t.Error("two secrets are equal")
	}
}

func TestHashAndVerifySecret(t *testing.T) {
	secret, hash := testSecret()
	if strings.Contains(hash, secret) || !strings.HasPrefix(hash, "$2a$10$") {
		t.Errorf("hash %q: want bcrypt at cost %d, not holding the secret", hash, oauth2.SecretCost)
	}
	if err := oauth2.VerifySecret(hash, secret); err != nil {
		t.Fatalf("VerifySecret of the right secret: %v", err)
	}
	again, err := oauth2.HashSecret(secret)
	if err != nil || again == hash {
		t.Errorf("hashing twice gives the same hash (no salt?): %v", err)
	}
	for _, tc := range []struct {
		name, secret string
	}{
		{"empty", ""},
		{"one character changed", secret[:42] + string(secret[42]^1)},
		{"prefix", secret[:32]},
		{"extended", secret + "x"},
		{"extended past bcrypt's 72 bytes", secret + strings.Repeat("x", 40)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := oauth2.VerifySecret(hash, tc.secret)
			if !errors.Is(err, invalidClient) {
				t.Fatalf("VerifySecret = %v; want invalid_client", err)
			}
			if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
				t.Errorf("the error %q holds the secret", err)
			}
		})
	}
	if err := oauth2.VerifySecret("plaintext", secret); fault.CodeOf(err) != fault.Internal || errors.Is(err, invalidClient) {
		t.Errorf("VerifySecret with an unreadable hash = %v; want Internal", err)
	}
}

func TestHashSecretRefusesLength(t *testing.T) {
	for _, s := range []string{"", "hunter2", strings.Repeat("a", 31), strings.Repeat("a", 73)} {
		_, err := oauth2.HashSecret(s)
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != "client_secret" {
			t.Errorf("HashSecret of %d bytes = %v; want InvalidArgument on client_secret", len(s), err)
		}
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("the error %q holds the secret", err)
		}
	}
}
