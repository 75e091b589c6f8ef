package oauth2

import (
	"bytes"
	"strings"
	"testing"
)

func TestKeySealer(t *testing.T) {
	a, b := []byte(strings.Repeat("a", 32)), []byte(strings.Repeat("b", 32))
	sealer, err := newKeySealer([][]byte{a})
	if err != nil {
		t.Fatal(err)
	}
	der := []byte{0x30, 0x82, 0x01, 0x02, 'k', 'e', 'y'}
	sealed := sealer.seal("k1", der)
	if bytes.Contains(sealed, der) || !bytes.HasPrefix(sealed, sealedKeyPrefix) {
		t.Fatalf("sealed = %q", sealed)
	}
	if again := sealer.seal("k1", der); bytes.Equal(again, sealed) {
		t.Error("two seals of one key are equal: the nonce is not random")
	}
	rotated, _ := newKeySealer([][]byte{b, a})
	for name, s := range map[string]*keySealer{"sealing secret": sealer, "sealing secret second": rotated} {
		if got, err := s.open("k1", sealed); err != nil || !bytes.Equal(got, der) {
			t.Errorf("open with the %s = %q, %v", name, got, err)
		}
	}
	onlyB, _ := newKeySealer([][]byte{b})
	if _, err := onlyB.open("k1", sealed); err == nil {
		t.Error("opened without the sealing secret")
	}
	if _, err := sealer.open("k2", sealed); err == nil {
		t.Error("opened under another key ID")
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := sealer.open("k1", tampered); err == nil {
		t.Error("opened a tampered key")
	}
	if _, err := sealer.open("k1", sealedKeyPrefix); err == nil {
		t.Error("opened a sealed key with nothing after its prefix")
	}
	// A key stored before sealing is plain DER, and is refused until `ward keys seal` seals it.
	if got, err := sealer.open("k1", der); err == nil || !strings.Contains(err.Error(), "kid=k1 is not sealed: run `ward keys seal`") {
		t.Errorf("open of an unsealed key = %q, %v; want a refusal", got, err)
	}
}
