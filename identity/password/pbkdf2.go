package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
)

// pbkdf2Digest describes a PBKDF2 pseudorandom function as Kratos names it.
type pbkdf2Digest struct {
	new func() hash.Hash
	// weight is the time of one iteration relative to HMAC-SHA256's, rounded up, measured on
	// ward's 2-core machines (0.16 µs for SHA-1 and SHA-256, 0.42 for SHA-512, 0.86 for both
	// SHA-3s): it makes [Bounds.PBKDF2Work] a bound on time whatever the digest.
	weight int
}

// pbkdf2DigestNamed returns the digest of a name Kratos's PBKDF2 accepts. Kratos maps sha224 and
// sha384 to SHA3-224 and SHA3-384 (not to SHA-2's SHA-224 and SHA-384), and ward follows it so that
// the hashes Kratos makes and verifies keep verifying.
func pbkdf2DigestNamed(name string) (pbkdf2Digest, bool) {
	switch name {
	case "sha1":
		return pbkdf2Digest{sha1.New, 1}, true
	case "sha224":
		return pbkdf2Digest{func() hash.Hash { return sha3.New224() }, 6}, true
	case "sha256":
		return pbkdf2Digest{sha256.New, 1}, true
	case "sha384":
		return pbkdf2Digest{func() hash.Hash { return sha3.New384() }, 6}, true
	case "sha512":
		return pbkdf2Digest{sha512.New, 3}, true
	}
	return pbkdf2Digest{}, false
}

// pbkdf2Hash is $pbkdf2-<digest>$i=<iterations>,l=<length>$<salt>$<key>, base64 without padding.
// As in Kratos, the key's length is that of the encoded key; l must be a number but is not used
// (Kratos's own documentation shows l=128 with a 16-byte key).
type pbkdf2Hash struct {
	digest     pbkdf2Digest
	iterations int
	salt, key  []byte
}

func parsePBKDF2(parts []string, b *Bounds) (*pbkdf2Hash, error) {
	format := parts[1]
	d, ok := pbkdf2DigestNamed(strings.TrimPrefix(format, "pbkdf2-"))
	if !ok {
		return nil, malformed("pbkdf2", "unknown digest; sha1, sha224, sha256, sha384 and sha512 are supported")
	}
	if err := fieldCount(format, parts, 5); err != nil {
		return nil, err
	}
	p, err := params(format, parts[2], "i", "l")
	if err != nil {
		return nil, err
	}
	if p[0] < 1 {
		return nil, malformed(format, "i (iterations) must be at least 1")
	}
	salt, err := decode64(format, "salt", parts[3], base64.RawStdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	key, err := decode64(format, "key", parts[4], base64.RawStdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	if err := keyLength(format, key); err != nil {
		return nil, err
	}
	size := d.new().Size()
	blocks := (len(key) + size - 1) / size
	if limit := b.PBKDF2Work / (blocks * d.weight); p[0] > limit {
		return nil, overBound(format, fmt.Sprintf("i (iterations) with a %d-byte key", len(key)), p[0], limit, "PBKDF2Work")
	}
	return &pbkdf2Hash{digest: d, iterations: p[0], salt: salt, key: key}, nil
}

func (h *pbkdf2Hash) match(password []byte) bool {
	k, err := pbkdf2.Key(h.digest.new, string(password), h.salt, h.iterations, len(h.key))
	return err == nil && subtle.ConstantTimeCompare(k, h.key) == 1
}
