package oauth2

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"

	"github.com/wardhq/ward/fault"
)

// Signing keys are stored encrypted, so that a copy of the database (a backup, a replica's disk)
// is not enough to sign tokens: AES-256-GCM under a key derived with HKDF-SHA256 from a token
// secret, with the key's ID as additional data, so that a sealed key cannot be moved to another
// row. The first token secret seals; all open, so a key sealed before a secret rotation stays
// readable while its secret is still listed — keep an old secret until the signing keys made
// under it have been rotated out (`ward keys rotate`, then their publication time).

// sealedKeyPrefix starts a sealed private key; a key stored without it is plain PKCS #8 DER, as
// stores written before sealing hold them (DER starts with 0x30, a SEQUENCE).
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

// open returns the private key of the signing key id as stored: decrypted under whichever secret
// sealed it, or as it is when it was stored unsealed.
func (s *keySealer) open(id string, stored []byte) ([]byte, error) {
	sealed, ok := bytes.CutPrefix(stored, sealedKeyPrefix)
	if !ok {
		return stored, nil
	}
	for _, aead := range s.aeads {
		if len(sealed) < aead.NonceSize() {
			break
		}
		if der, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(id)); err == nil {
			return der, nil
		}
	}
	return nil, fault.New(fault.Internal,
		"signing key %s was sealed with a token secret that is no longer configured (or was altered): restore that secret to token_secrets, or rotate the key", id)
}
