package password

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// argon2Digest is an argon2id or argon2i hash in the PHC string form:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<key>, base64 without padding.
type argon2Digest struct {
	id          bool // argon2id; argon2i otherwise
	memory      uint32
	iterations  uint32
	parallelism uint8
	salt, key   []byte
}

// argon2MinSalt is the shortest salt RFC 9106 allows; the reference implementation refuses shorter.
const argon2MinSalt = 8

func parseArgon2(parts []string, b *Bounds) (*argon2Digest, error) {
	format := parts[1]
	if err := fieldCount(format, parts, 6); err != nil {
		return nil, err
	}
	v, err := params(format, parts[2], "v")
	if err != nil {
		return nil, err
	}
	if v[0] != argon2.Version {
		return nil, malformed(format, "version %d is not supported; only %d (1.3) is", v[0], argon2.Version)
	}
	p, err := params(format, parts[3], "m", "t", "p")
	if err != nil {
		return nil, err
	}
	m, t, lanes := p[0], p[1], p[2]
	switch {
	case t < 1:
		return nil, malformed(format, "t (iterations) must be at least 1")
	case lanes < 1:
		return nil, malformed(format, "p (parallelism) must be at least 1")
	case lanes > b.Argon2Parallelism:
		return nil, overBound(format, "p (parallelism)", lanes, b.Argon2Parallelism, "Argon2Parallelism")
	case m < 8*lanes:
		return nil, malformed(format, "m (memory) must be at least 8 KiB per lane, %d KiB for p=%d", 8*lanes, lanes)
	case m > b.Argon2Memory:
		return nil, overBound(format, "m (memory, KiB)", m, b.Argon2Memory, "Argon2Memory")
	case m*t > b.Argon2Work:
		return nil, overBound(format, "m × t (KiB × passes)", m*t, b.Argon2Work, "Argon2Work")
	}
	salt, err := decode64(format, "salt", parts[4], base64.RawStdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	if len(salt) < argon2MinSalt {
		return nil, malformed(format, "the salt is %d bytes; at least %d are required", len(salt), argon2MinSalt)
	}
	key, err := decode64(format, "key", parts[5], base64.RawStdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	if err := keyLength(format, key); err != nil {
		return nil, err
	}
	return &argon2Digest{id: format == "argon2id", memory: uint32(m), iterations: uint32(t), parallelism: uint8(lanes),
		salt: salt, key: key}, nil
}

func (d *argon2Digest) match(password []byte) bool {
	derive := argon2.Key
	if d.id {
		derive = argon2.IDKey
	}
	k := derive(password, d.salt, d.iterations, d.memory, d.parallelism, uint32(len(d.key)))
	return subtle.ConstantTimeCompare(k, d.key) == 1
}

// encodeArgon2id returns the PHC string of an argon2id key, the form Kratos writes.
func encodeArgon2id(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// current reports whether d is what a Hasher configured with p would write now.
func (d *argon2Digest) current(p Argon2Params) bool {
	return d.id && d.memory == p.Memory && d.iterations == p.Iterations && d.parallelism == p.Parallelism &&
		len(d.salt) == int(p.SaltLength) && len(d.key) == int(p.KeyLength)
}
