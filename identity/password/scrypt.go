package password

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/base64"
	"math/bits"

	"golang.org/x/crypto/scrypt"

	"github.com/wardhq/ward/fault"
)

// scryptHash is $scrypt$ln=<N>,r=<r>,p=<p>$<salt>$<key> with padded base64, as Kratos reads it:
// despite its name, ln holds the cost N itself (Kratos's documented example is ln=16384), not
// its base-2 logarithm as in the PHC form other systems write.
type scryptHash struct {
	n, r, p   int
	salt, key []byte
}

func parseScrypt(parts []string, b *Bounds) (*scryptHash, error) {
	const format = "scrypt"
	if err := fieldCount(format, parts, 5); err != nil {
		return nil, err
	}
	p, err := params(format, parts[2], "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	if p[0] < 2 || bits.OnesCount(uint(p[0])) != 1 {
		return nil, malformed(format, "ln (the cost N) must be a power of two above 1")
	}
	if err := scryptBounds(format, p[0], p[1], p[2], b); err != nil {
		return nil, err
	}
	salt, err := decode64(format, "salt", parts[3], base64.StdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	key, err := decode64(format, "key", parts[4], base64.StdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	if err := keyLength(format, key); err != nil {
		return nil, err
	}
	return &scryptHash{n: p[0], r: p[1], p: p[2], salt: salt, key: key}, nil
}

// scryptBounds checks r and p and bounds N × max(r, 8) × p. With r = 8 that is N × r × p, the
// number of 64-byte mixing steps; below 8, the N random reads of 128·r bytes each, which miss the
// caches, cost more than the mixing (at N = 2^20 and r = 1, four times N = 2^17 and r = 8 with the
// same memory), so r counts as 8. The bound also bounds memory, 128 × N × r bytes.
func scryptBounds(format string, n, r, p int, b *Bounds) error {
	if r < 1 || p < 1 {
		return malformed(format, "r and p must be at least 1")
	}
	// Each factor is checked before the product grows, so that nothing overflows.
	cost, limit := 1, b.ScryptWork
	for _, f := range []int{n, max(r, 8), p} {
		if f > limit/cost {
			return fault.Invalid(hashField, "%s hash: N × max(r, 8) × p is more than %d allowed (bound ScryptWork)", format, limit)
		}
		cost *= f
	}
	return nil
}

func (h *scryptHash) match(password []byte) bool {
	k, err := scrypt.Key(password, h.salt, h.n, h.r, h.p, len(h.key))
	return err == nil && subtle.ConstantTimeCompare(k, h.key) == 1
}

// firebaseScryptHash is Firebase's modified scrypt, as Kratos encodes it:
// $firescrypt$ln=<mem_cost>,r=<rounds>,p=<p>$<salt>$<hash>$<salt separator>$<signer key>, padded
// base64. Here ln is Firebase's mem_cost, the base-2 logarithm of N. The password's scrypt key
// (32 bytes, salted with salt and separator) encrypts the signer key with AES-256-CTR under a zero
// IV; the result is the hash.
type firebaseScryptHash struct {
	n, r, p               int
	salt, hash, signerKey []byte
}

func parseFirebaseScrypt(parts []string, b *Bounds) (*firebaseScryptHash, error) {
	const format = "firescrypt"
	if err := fieldCount(format, parts, 7); err != nil {
		return nil, err
	}
	p, err := params(format, parts[2], "ln", "r", "p")
	if err != nil {
		return nil, err
	}
	if p[0] < 1 || p[0] > 30 {
		return nil, malformed(format, "ln (mem_cost, log2 of N) must be 1 to 30")
	}
	n := 1 << p[0]
	if err := scryptBounds(format, n, p[1], p[2], b); err != nil {
		return nil, err
	}
	var fields [4][]byte
	for i, name := range []string{"salt", "hash", "salt separator", "signer key"} {
		if fields[i], err = decode64(format, name, parts[3+i], base64.StdEncoding.Strict()); err != nil {
			return nil, err
		}
	}
	salt, sep, hash, signer := fields[0], fields[2], fields[1], fields[3]
	switch {
	case len(signer) < minKeyLength:
		return nil, malformed(format, "the signer key is %d bytes; at least %d are required", len(signer), minKeyLength)
	case len(hash) != len(signer):
		return nil, malformed(format, "the hash is %d bytes but the signer key %d; they must be equal", len(hash), len(signer))
	}
	return &firebaseScryptHash{n: n, r: p[1], p: p[2], salt: append(salt, sep...), hash: hash, signerKey: signer}, nil
}

func (h *firebaseScryptHash) match(password []byte) bool {
	k, err := scrypt.Key(password, h.salt, h.n, h.r, h.p, 32)
	if err != nil {
		return false
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return false
	}
	out := make([]byte, len(h.signerKey))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(out, h.signerKey)
	return subtle.ConstantTimeCompare(out, h.hash) == 1
}
