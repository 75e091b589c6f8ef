package password

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/wardhq/ward/fault"
)

// hashField is the field a malformed hash is reported on: the credential's config member.
const hashField = "hashed_password"

// maxHashLength bounds an encoded hash in bytes, which bounds the work of the formats whose cost is
// their length (the plain digests), and the length of every salt and key.
const maxHashLength = 1024

// digest is a parsed stored hash, within its Hasher's bounds.
type digest interface {
	// match reports, in constant time over the derived key, whether password gives this hash.
	match(password []byte) bool
}

// lengthLimited is a digest whose time grows with the password's length (sha-crypt), and which
// therefore admits passwords up to a length that keeps a verification within the bounds.
type lengthLimited interface {
	maxPasswordLength() int
}

// parse reads an encoded hash of any supported format and checks it against b. Its errors are
// InvalidArgument on hashField and never hold the hash nor any part of it but numbers.
func parse(encoded string, b *Bounds) (digest, error) {
	switch {
	case encoded == "":
		return nil, fault.Invalid(hashField, "the hash is empty")
	case len(encoded) > maxHashLength:
		return nil, fault.Invalid(hashField, "the hash is %d bytes long; at most %d are allowed", len(encoded), maxHashLength)
	}
	for i := 0; i < len(encoded); i++ {
		if c := encoded[i]; c <= ' ' || c > '~' {
			return nil, fault.Invalid(hashField, "the hash holds a byte outside printable ASCII at offset %d", i)
		}
	}
	if strings.HasPrefix(encoded, "{") {
		return parseSSHA(encoded)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) < 3 || parts[0] != "" {
		return nil, unknownFormat()
	}
	id := parts[1]
	switch {
	case isBcryptID(id):
		return parseBcrypt(encoded, parts, b)
	case id == "argon2id" || id == "argon2i":
		return parseArgon2(parts, b)
	case strings.HasPrefix(id, "pbkdf2-"):
		return parsePBKDF2(parts, b)
	case id == "scrypt":
		return parseScrypt(parts, b)
	case id == "firescrypt":
		return parseFirebaseScrypt(parts, b)
	case id == "1" || id == "md5-crypt":
		return parseMD5Crypt(parts)
	case id == "5" || id == "6" || id == "sha256-crypt" || id == "sha512-crypt":
		return parseSHACrypt(parts, b)
	case id == "sha1" || id == "sha256" || id == "sha512" || id == "md5":
		return parsePatternDigest(parts)
	case strings.HasPrefix(id, "hmac-"):
		return parseHMAC(parts)
	case id == "argon2d":
		return nil, fault.Invalid(hashField, "argon2d hashes are not supported (neither does Kratos accept them); argon2id and argon2i are")
	}
	return nil, unknownFormat()
}

func unknownFormat() error {
	return fault.Invalid(hashField, "not a hash format ward reads: bcrypt, argon2id, argon2i, pbkdf2, scrypt, "+
		"firescrypt, {SSHA}, sha1, sha256, sha512, md5, hmac, md5-crypt and sha-crypt are")
}

// malformed returns the error for a hash of a known format that does not parse.
func malformed(format, problem string, args ...any) error {
	return fault.Invalid(hashField, "malformed %s hash: %s", format, fmt.Sprintf(problem, args...))
}

// overBound returns the error for a hash whose parameter exceeds a bound, naming the bound.
func overBound(format, param string, value, limit int, bound string) error {
	return fault.Invalid(hashField, "%s hash: %s is %d; at most %d is allowed (bound %s)", format, param, value, limit, bound)
}

// fieldCount checks that a hash split at '$' has n parts.
func fieldCount(format string, parts []string, n int) error {
	if len(parts) != n {
		return malformed(format, "it has %d $-separated fields; want %d", len(parts)-1, n-1)
	}
	return nil
}

// params reads "k1=v1,k2=v2,…" with exactly the given keys in the given order, each value a
// [decimal] number.
func params(format, s string, keys ...string) ([]int, error) {
	fields := strings.Split(s, ",")
	want := strings.Join(keys, "=…,") + "=…"
	if len(fields) != len(keys) {
		return nil, malformed(format, "want parameters %s", want)
	}
	vals := make([]int, len(keys))
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k != keys[i] {
			return nil, malformed(format, "want parameters %s", want)
		}
		n, err := decimal(v)
		if err != nil {
			return nil, malformed(format, "parameter %s is not a decimal number of at most 9 digits", k)
		}
		vals[i] = n
	}
	return vals, nil
}

// decimal reads 1 to 9 ASCII digits: no sign, no spaces, nothing from a billion up, so that every
// bound can be checked, and products of two values computed, without overflow.
func decimal(s string) (int, error) {
	if len(s) == 0 || len(s) > 9 {
		return 0, strconv.ErrSyntax
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}

// decode64 decodes one base64 field of a hash with enc, naming the field when it is not base64.
func decode64(format, field, s string, enc *base64.Encoding) ([]byte, error) {
	b, err := enc.DecodeString(s)
	if err != nil {
		return nil, malformed(format, "the %s is not valid base64 of the expected form", field)
	}
	return b, nil
}

// minKeyLength is the shortest derived key ward accepts for argon2, pbkdf2 and scrypt hashes: with
// fewer bytes, wrong passwords match too often (one in 2^(8·length)).
const minKeyLength = 16

// keyLength checks the length of a decoded derived key.
func keyLength(format string, key []byte) error {
	if len(key) < minKeyLength {
		return malformed(format, "the derived key is %d bytes; at least %d are required", len(key), minKeyLength)
	}
	return nil
}
