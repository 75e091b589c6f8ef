package token_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
)

var (
	secretA = bytes.Repeat([]byte{0xa1}, 32)
	secretB = bytes.Repeat([]byte{0xb2}, 48)
	secretC = bytes.Repeat([]byte{0xc3}, 100) // longer than the HMAC block: hashed first
)

func mustCodec(t testing.TB, secrets ...[]byte) *token.Codec {
	t.Helper()
	c, err := token.NewCodec(secrets...)
	if err != nil {
		t.Fatalf("NewCodec: %v", err)
	}
	return c
}

func TestNewCodecRefusesBadSecrets(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secrets [][]byte
		field   string
	}{
		{"none", nil, "secrets"},
		{"short", [][]byte{make([]byte, 31)}, "secrets[0]"},
		{"second short", [][]byte{secretA, []byte("hunter2")}, "secrets[1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := token.NewCodec(tc.secrets...)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument || fe.Field != tc.field {
				t.Fatalf("NewCodec = %v; want InvalidArgument on %s", err, tc.field)
			}
		})
	}
}

func TestMintVerify(t *testing.T) {
	c := mustCodec(t, secretA)
	for _, kind := range []token.Kind{token.AccessToken, token.RefreshToken, token.AuthorizeCode, token.DeviceCode} {
		t.Run(kind.String(), func(t *testing.T) {
			tok, sig := c.Mint(kind)
			if len(tok) != token.Length {
				t.Errorf("len(%q) = %d; want %d", tok, len(tok), token.Length)
			}
			if want := "ward_" + kind.Prefix() + "_"; !strings.HasPrefix(tok, want) {
				t.Errorf("token %q does not start with %q", tok, want)
			}
			if !strings.HasSuffix(tok, "."+sig) {
				t.Errorf("token %q does not end with its signature %q", tok, sig)
			}
			gotKind, gotSig, err := c.Verify(tok)
			if err != nil || gotKind != kind || gotSig != sig {
				t.Fatalf("Verify = %v, %q, %v; want %v, %q, nil", gotKind, gotSig, err, kind, sig)
			}
			if again, _ := c.Mint(kind); again == tok {
				t.Errorf("two mints returned the same token %q", tok)
			}
		})
	}
}

func TestMintPanicsOnInvalidKind(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Mint(0) did not panic")
		}
	}()
	mustCodec(t, secretA).Mint(0)
}

func TestVerifyRotation(t *testing.T) {
	oldCodec := mustCodec(t, secretA)
	rotated := mustCodec(t, secretB, secretA)
	retired := mustCodec(t, secretB)

	old, oldSig := oldCodec.Mint(token.RefreshToken)
	if _, sig, err := rotated.Verify(old); err != nil || sig != oldSig {
		t.Errorf("a token of the old secret, during rotation: %q, %v; want accepted", sig, err)
	}
	if _, _, err := retired.Verify(old); !errors.Is(err, token.ErrSignature) {
		t.Errorf("a token of a retired secret: %v; want ErrSignature", err)
	}
	fresh, _ := rotated.Mint(token.AccessToken)
	if _, _, err := retired.Verify(fresh); err != nil {
		t.Errorf("a token signed during rotation is refused after it: %v", err)
	}
	if _, _, err := oldCodec.Verify(fresh); !errors.Is(err, token.ErrSignature) {
		t.Errorf("rotation signs with the old secret: %v", err)
	}
	long := mustCodec(t, secretC)
	tok, _ := long.Mint(token.DeviceCode)
	if _, _, err := mustCodec(t, secretA, secretC).Verify(tok); err != nil {
		t.Errorf("a token of a long secret: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	c := mustCodec(t, secretA)
	valid, _ := c.Mint(token.AccessToken)
	random := valid[8:51]
	mac := valid[52:]
	other, _ := mustCodec(t, secretB).Mint(token.AccessToken)
	for _, tc := range []struct {
		name string
		tok  string
		want error
	}{
		{"empty", "", token.ErrMalformed},
		{"short", valid[:len(valid)-1], token.ErrMalformed},
		{"long", valid + "A", token.ErrMalformed},
		{"other scheme", "hydr_at_" + random + "." + mac, token.ErrMalformed},
		{"unknown kind", "ward_xx_" + random + "." + mac, token.ErrMalformed},
		{"upper-case kind", "ward_AT_" + random + "." + mac, token.ErrMalformed},
		{"no separator after kind", "ward_at-" + random + "." + mac, token.ErrMalformed},
		{"no dot", "ward_at_" + random + "_" + mac, token.ErrMalformed},
		{"standard base64 in random", "ward_at_" + "+" + random[1:] + "." + mac, token.ErrMalformed},
		{"padding", "ward_at_" + random + "." + mac[:42] + "=", token.ErrMalformed},
		{"space", "ward_at_" + random + "." + mac[:42] + " ", token.ErrMalformed},
		{"non-canonical mac", "ward_at_" + random + "." + mac[:42] + string(flipLowBit(mac[42])), token.ErrMalformed},
		{"other secret", other, token.ErrSignature},
		{"kind changed", "ward_rt_" + random + "." + mac, token.ErrSignature},
		{"mac of another token", other[:52] + mac, token.ErrSignature},
		{"mac zeroed", "ward_at_" + random + "." + strings.Repeat("A", 43), token.ErrSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kind, sig, err := c.Verify(tc.tok)
			if !errors.Is(err, tc.want) || kind != 0 || sig != "" {
				t.Fatalf("Verify = %v, %q, %v; want %v", kind, sig, err, tc.want)
			}
			if tc.tok != "" && strings.Contains(err.Error(), tc.tok) {
				t.Errorf("error %q contains the token", err)
			}
			if fault.CodeOf(err) != fault.InvalidArgument {
				t.Errorf("code %v; want InvalidArgument", fault.CodeOf(err))
			}
		})
	}
}

// flipLowBit changes a base64url character to the one that differs only in the bits a 43-character
// encoding of 32 bytes leaves unused.
func flipLowBit(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

func TestVerifyRefusesEveryFlippedByte(t *testing.T) {
	c := mustCodec(t, secretA)
	tok, _ := c.Mint(token.AuthorizeCode)
	for i := range len(tok) {
		for _, x := range []byte{0x01, 0x02, 0x20, 0x80} {
			b := []byte(tok)
			b[i] ^= x
			if _, _, err := c.Verify(string(b)); err == nil {
				t.Errorf("token with byte %d xor %#x accepted", i, x)
			}
		}
	}
}

func TestStorageKey(t *testing.T) {
	c := mustCodec(t, secretA)
	tok, sig := c.Mint(token.AccessToken)
	key := token.StorageKey(sig)
	// SHA-256 of "" as a known-answer check of the encoding.
	if got := token.StorageKey(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf(`StorageKey("") = %s`, got)
	}
	if len(key) != 64 || strings.Trim(key, "0123456789abcdef") != "" {
		t.Errorf("StorageKey = %q; want 64 lower-case hex digits", key)
	}
	if strings.Contains(key, sig) || strings.Contains(tok, key) {
		t.Errorf("storage key %q reveals the token", key)
	}
	if token.StorageKey(sig) != key {
		t.Error("StorageKey is not deterministic")
	}
	_, sig2 := c.Mint(token.AccessToken)
	if token.StorageKey(sig2) == key {
		t.Error("two tokens share a storage key")
	}
}

func TestKindString(t *testing.T) {
	for kind, want := range map[token.Kind]string{
		token.AccessToken: "access_token", token.RefreshToken: "refresh_token",
		token.AuthorizeCode: "authorization_code", token.DeviceCode: "device_code", 0: "kind(0)", 9: "kind(9)",
	} {
		if got := kind.String(); got != want {
			t.Errorf("Kind(%d).String() = %q; want %q", kind, got, want)
		}
	}
	if token.Kind(0).Prefix() != "" || token.Kind(5).Prefix() != "" {
		t.Error("an invalid kind has a prefix")
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{1, 2} {
		secrets := [][]byte{secretB, secretA}[2-n:]
		c := mustCodec(b, secrets...)
		tok, _ := mustCodec(b, secretA).Mint(token.AccessToken) // signed by the last secret: the slowest case
		b.Run(map[int]string{1: "secrets=1", 2: "secrets=2,last"}[n], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.Verify(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	c := mustCodec(b, secretA)
	b.Run("forged", func(b *testing.B) {
		forged, _ := mustCodec(b, secretB).Mint(token.AccessToken)
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Verify(forged); err == nil {
				b.Fatal("forged token accepted")
			}
		}
	})
	b.Run("malformed", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := c.Verify("Bearer nonsense"); err == nil {
				b.Fatal("malformed token accepted")
			}
		}
	})
}

func BenchmarkMint(b *testing.B) {
	c := mustCodec(b, secretA)
	b.ReportAllocs()
	for b.Loop() {
		c.Mint(token.AccessToken)
	}
}

func BenchmarkStorageKey(b *testing.B) {
	_, sig := mustCodec(b, secretA).Mint(token.AccessToken)
	b.ReportAllocs()
	for b.Loop() {
		token.StorageKey(sig)
	}
}

func TestLength(t *testing.T) {
	if token.Length != 95 {
		t.Errorf("Length = %d; the documentation says 95", token.Length)
	}
}
