package password

import (
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
	"strings"

	xcrypt "github.com/go-crypt/x/crypt"
)

// The crypt(3) family: md5-crypt ($1$) and Drepper's sha-crypt ($5$, $6$), in the glibc and
// libxcrypt encoding, and under the identifiers Kratos gives them ($md5-crypt$, $sha256-crypt$,
// $sha512-crypt$). The key derivations are github.com/go-crypt/x/crypt's (the library Kratos uses
// through github.com/go-crypt/crypt); parsing and bounds are ward's.
const (
	md5CryptSaltMax = 8  // crypt(3) reads at most this many salt characters
	md5CryptKeyLen  = 22 // characters of crypt base64
	shaCryptSaltMax = 16
	shaCryptDefault = 5000 // rounds when the hash names none
	// shaCryptMinRounds is the fewest rounds a sha-crypt hash may name: glibc raises fewer to 1000
	// and writes rounds=1000, so a hash that names fewer was not written by it and would not verify.
	shaCryptMinRounds = 1000
	shaCryptMaxRounds = 999_999_999 // glibc's most
)

type md5CryptHash struct {
	salt, key []byte
}

func parseMD5Crypt(parts []string) (*md5CryptHash, error) {
	const format = "md5-crypt"
	if err := fieldCount(format, parts, 4); err != nil {
		return nil, err
	}
	salt, key := parts[2], parts[3]
	if err := cryptSaltAndKey(format, salt, key, md5CryptSaltMax, md5CryptKeyLen); err != nil {
		return nil, err
	}
	return &md5CryptHash{salt: []byte(salt), key: []byte(key)}, nil
}

func (h *md5CryptHash) match(password []byte) bool {
	return subtle.ConstantTimeCompare(xcrypt.KeyMD5Crypt(password, h.salt), h.key) == 1
}

type shaCryptHash struct {
	new       func() hash.Hash
	rounds    int
	salt, key []byte
	maxLength int // the longest password whose verification stays within the bounds
}

func parseSHACrypt(parts []string, b *Bounds) (*shaCryptHash, error) {
	sha512crypt := parts[1] == "6" || parts[1] == "sha512-crypt"
	format, newHash, keyLen := "sha256-crypt", sha256.New, 43
	if sha512crypt {
		format, newHash, keyLen = "sha512-crypt", sha512.New, 86
	}
	rounds := shaCryptDefault
	switch len(parts) {
	case 4:
		if strings.HasPrefix(parts[2], "rounds=") {
			return nil, malformed(format, "a salt may not begin with rounds=")
		}
	case 5:
		p, err := params(format, parts[2], "rounds")
		if err != nil {
			return nil, err
		}
		rounds = p[0]
	default:
		return nil, malformed(format, "want $rounds=…$salt$hash or $salt$hash")
	}
	switch {
	case rounds < shaCryptMinRounds:
		return nil, malformed(format, "rounds is %d; at least %d are required", rounds, shaCryptMinRounds)
	case rounds > b.SHACryptRounds:
		return nil, overBound(format, "rounds", rounds, b.SHACryptRounds, "SHACryptRounds")
	}
	salt, key := parts[len(parts)-2], parts[len(parts)-1]
	if err := cryptSaltAndKey(format, salt, key, shaCryptSaltMax, keyLen); err != nil {
		return nil, err
	}
	return &shaCryptHash{new: newHash, rounds: rounds, salt: []byte(salt), key: []byte(key),
		maxLength: shaCryptMaxLength(rounds, b.SHACryptRounds)}, nil
}

// shaCryptMaxLength returns the longest password a hash of the given rounds may be verified with.
// A round digests the password about twice, the salt and a previous digest: its cost is close to
// proportional to 64 + the password's length in bytes. Bounds.SHACryptRounds is counted for a
// 64-byte password, so rounds × (64 + length) may be at most SHACryptRounds × 128.
func shaCryptMaxLength(rounds, bound int) int {
	return min(bound*128/rounds-64, MaxLength)
}

func (h *shaCryptHash) match(password []byte) bool {
	return subtle.ConstantTimeCompare(xcrypt.KeySHACrypt(h.new, password, h.salt, h.rounds), h.key) == 1
}

func (h *shaCryptHash) maxPasswordLength() int { return h.maxLength }

// cryptSaltAndKey checks a crypt(3) salt and key. A longer salt than the algorithm reads cannot
// have come from crypt(3), which writes the salt it read.
func cryptSaltAndKey(format, salt, key string, saltMax, keyLen int) error {
	switch {
	case len(salt) > saltMax:
		return malformed(format, "the salt is %d characters; at most %d are read", len(salt), saltMax)
	case len(key) != keyLen || !allCrypt64(key):
		return malformed(format, "want a hash of %d characters of crypt base64", keyLen)
	}
	return nil
}
