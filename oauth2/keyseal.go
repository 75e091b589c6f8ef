package oauth2

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Signing keys are stored encrypted, so that a copy of the database (a backup, a replica's disk)
// is not enough to sign tokens: AES-256-GCM under a key derived with HKDF-SHA256 from a token
// secret, with the key's ID as additional data, so that a sealed key cannot be moved to another
// row. The first token secret seals; all open, so a key sealed before a secret rotation stays
// readable while its secret is still listed — keep an old secret until the signing keys made
// under it have been rotated out (`ward keys rotate`, then their publication time).

// sealedKeyPrefix starts a sealed private key; a key stored without it is plain PKCS #8 DER, as
// stores written before sealing hold them (DER starts with 0x30, a SEQUENCE), and is refused until
// `ward keys seal` seals it.
var sealedKeyPrefix = []byte("ward-sealed-key-v1:")

// keySealer seals and opens the private keys of signing keys.
type keySealer struct {
	aeads []cipher.AEAD // one per token secret; the first seals
}

func newKeySealer(secrets [][]byte) (*keySealer, error) {
	s := &keySealer{}
	for i, secret := range secrets {
		key, err := hkdf.Key(sha256.New, secret, nil, "ward signing key encryption", 32)
		if err != nil {
			return nil, fmt.Errorf("deriving the key encryption key of token secret %d: %w", i, err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("key encryption key %d: %w", i, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key encryption key %d: %w", i, err)
		}
		s.aeads = append(s.aeads, aead)
	}
	return s, nil
}

// seal encrypts der, the private key of the signing key id, under the first secret.
func (s *keySealer) seal(id string, der []byte) []byte {
	aead := s.aeads[0]
	out := make([]byte, len(sealedKeyPrefix)+aead.NonceSize(), len(sealedKeyPrefix)+aead.NonceSize()+len(der)+aead.Overhead())
	copy(out, sealedKeyPrefix)
	rand.Read(out[len(sealedKeyPrefix):]) // never fails (crypto/rand, Go 1.24+)
	return aead.Seal(out, out[len(sealedKeyPrefix):], der, []byte(id))
}

// open returns the private key of the signing key id, decrypted under whichever secret sealed
// it. A key stored unsealed is refused rather than used: whoever can write the table could
// otherwise plant a key of their own and have ward sign with it; `ward keys seal` seals the keys
// of stores written before sealing.
func (s *keySealer) open(id string, stored []byte) ([]byte, error) {
	sealed, ok := bytes.CutPrefix(stored, sealedKeyPrefix)
	if !ok {
		return nil, fault.New(fault.FailedPrecondition,
			"signing key kid=%s is not sealed: run `ward keys seal` with this server's dsn and token_secrets", id)
	}
	for _, aead := range s.aeads {
		if len(sealed) < aead.NonceSize() {
			break
		}
		if der, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(id)); err == nil {
			return der, nil
		}
	}
	return nil, fault.New(fault.FailedPrecondition,
		"signing key kid=%s was sealed under a secret that is not in token_secrets, or was altered: add the secret it was sealed with, listed after the current one (or, if it is lost, rotate the key)", id)
}

// SealedKey is a signing key that [SealSigningKeys] sealed.
type SealedKey struct {
	ID        string
	Algorithm string
}

// SealSigningKeys seals, under the first of secrets, every signing key in st stored unsealed (by
// a ward from before sealing, or written into the table by hand), and returns those it sealed;
// keys sealed already are left as they are, so running it again does nothing. A key whose stored
// bytes are not a PKCS #8 private key is not sealed: ward would refuse it all the same, so it is
// an error naming it. Each key is replaced only if it is still as read (a concurrent run or a
// rotation may have changed it), and the keys sealed before an error stay sealed.
func SealSigningKeys(ctx context.Context, st store.SigningKeyStore, secrets [][]byte) ([]SealedKey, error) {
	if len(secrets) == 0 {
		return nil, fault.Invalid("token_secrets", "at least one token secret is required to seal the signing keys")
	}
	sealer, err := newKeySealer(secrets)
	if err != nil {
		return nil, err
	}
	stored, err := st.ListSigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the signing keys: %w", err)
	}
	var out []SealedKey
	for _, k := range stored {
		if bytes.HasPrefix(k.PrivateKey, sealedKeyPrefix) {
			continue
		}
		if _, err := x509.ParsePKCS8PrivateKey(k.PrivateKey); err != nil {
			return out, fault.Wrap(fault.FailedPrecondition, err, fmt.Sprintf(
				"signing key kid=%s is stored unsealed but is not a PKCS #8 private key: it cannot be sealed; rotate it out (`ward keys rotate`)", k.ID))
		}
		err := st.ReplaceSigningKeyPrivateKey(ctx, k.ID, k.PrivateKey, sealer.seal(k.ID, k.PrivateKey))
		switch {
		case fault.CodeOf(err) == fault.NotFound, fault.CodeOf(err) == fault.FailedPrecondition:
			continue // deleted or sealed since it was read
		case err != nil:
			return out, fmt.Errorf("sealing signing key kid=%s: %w", k.ID, err)
		}
		out = append(out, SealedKey{ID: k.ID, Algorithm: k.Algorithm})
	}
	return out, nil
}
