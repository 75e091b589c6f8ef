package token

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"testing"
)

// fuzzSecrets are the codec's secrets in the fuzz tests; the seeds in testdata/fuzz/FuzzVerify were
// minted with the first of them.
var fuzzSecrets = [][]byte{bytes.Repeat([]byte("ward-fuzz-secret"), 2), bytes.Repeat([]byte{7}, 70)}

func TestMACMatchesCryptoHMAC(t *testing.T) {
	for _, secret := range [][]byte{
		bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 64), bytes.Repeat([]byte{3}, 65), bytes.Repeat([]byte{4}, 200),
	} {
		c, err := NewCodec(secret)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			msg := bytes.Repeat([]byte{byte(i)}, signedLen)
			var got [sha256.Size]byte
			c.keys[0].sum(&got, msg)
			h := hmac.New(sha256.New, secret)
			h.Write(msg)
			if want := h.Sum(nil); !bytes.Equal(got[:], want) {
				t.Fatalf("secret of %d bytes: mac %x; crypto/hmac says %x", len(secret), got, want)
			}
		}
	}
}

// FuzzVerify checks that Verify never panics on any text, that a token it accepts is one the codec
// mints (it round-trips through mint with the same random bytes), and that changing any byte of an
// accepted token gets it refused.
func FuzzVerify(f *testing.F) {
	c, err := NewCodec(fuzzSecrets...)
	if err != nil {
		f.Fatal(err)
	}
	for kind := AccessToken; kind <= DeviceCode; kind++ {
		tok, _ := c.Mint(kind)
		f.Add(tok, uint8(0), byte(1))
	}
	f.Add("ward_at_", uint8(3), byte(0x20))
	f.Fuzz(func(t *testing.T, s string, pos uint8, x byte) {
		kind, sig, err := c.Verify(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrSignature) {
				t.Fatalf("Verify(%q): unexpected error %v", s, err)
			}
			if kind != 0 || sig != "" {
				t.Fatalf("Verify(%q) failed but returned %v, %q", s, kind, sig)
			}
			return
		}
		var random [RandomBytes]byte
		if n, err := b64.Decode(random[:], []byte(s[headerLen:signedLen])); err != nil || n != RandomBytes {
			t.Fatalf("accepted %q, whose random part does not decode: %v", s, err)
		}
		// Re-mint with the secret that signed it: the first or the second.
		for i := range fuzzSecrets {
			ci, _ := NewCodec(fuzzSecrets[i])
			if tok, tsig := ci.mint(kind, random); tok == s {
				if tsig != sig {
					t.Fatalf("accepted %q with signature %q; minting gives %q", s, sig, tsig)
				}
				goto minted
			}
		}
		t.Fatalf("accepted %q, which no secret mints", s)
	minted:
		if x == 0 {
			x = 1
		}
		b := []byte(s)
		b[int(pos)%len(b)] ^= x
		if _, _, err := c.Verify(string(b)); err == nil {
			t.Fatalf("accepted %q, and also %q with byte %d changed", s, b, int(pos)%len(b))
		}
	})
}
