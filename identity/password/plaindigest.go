package password

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strings"

	//lint:ignore SA1019 Kratos imports $hmac-md4$ hashes; ward only reads them, to rehash them
	"golang.org/x/crypto/md4"
)

// The plain-digest formats: one fast hash of the password, salted or keyed. They cost next to
// nothing to verify (their work is bounded by the hash's length) and nothing to attack; ward reads
// them only so that imported identities can log in once and be rehashed ([Hasher.NeedsRehash]).

// plainHash returns the hash function of a digest name, or nil for an unknown name.
func plainHash(name string) func() hash.Hash {
	switch name {
	case "md4":
		return md4.New
	case "md5":
		return md5.New
	case "sha1":
		return sha1.New
	case "sha224":
		return sha256.New224
	case "sha256":
		return sha256.New
	case "sha384":
		return sha512.New384
	case "sha512":
		return sha512.New
	}
	return nil
}

// plainDigest is a digest of the password placed in a pattern with a salt: {SSHA} is
// password‖salt, the $sha1$, $sha256$, $sha512$ and $md5$ forms name their pattern.
type plainDigest struct {
	new     func() hash.Hash
	pattern string // holds {PASSWORD} and maybe {SALT}; "" means the password alone
	salt    string
	sum     []byte
}

// parseSSHA reads {SSHA}, {SSHA256} or {SSHA512} followed by base64 of digest‖salt, as LDAP
// directories store them. As in Kratos the salt may have any length from one byte.
func parseSSHA(encoded string) (*plainDigest, error) {
	name, rest, ok := strings.Cut(encoded[1:], "}")
	if !ok {
		return nil, unknownFormat()
	}
	digestName, ok := map[string]string{"SSHA": "sha1", "SSHA256": "sha256", "SSHA512": "sha512"}[name]
	if !ok {
		return nil, malformed("salted SHA", "the scheme must be {SSHA}, {SSHA256} or {SSHA512}")
	}
	newHash, format := plainHash(digestName), strings.ToLower(name)
	raw, err := decode64(format, "digest and salt", rest, base64.StdEncoding)
	if err != nil {
		return nil, err
	}
	size := newHash().Size()
	if len(raw) <= size {
		return nil, malformed(format, "it holds %d bytes; want a %d-byte digest and a salt", len(raw), size)
	}
	return &plainDigest{new: newHash, pattern: "{PASSWORD}{SALT}", salt: string(raw[size:]), sum: raw[:size]}, nil
}

// parsePatternDigest reads Kratos's $sha1$, $sha256$, $sha512$ and $md5$ forms:
// $<digest>$pf=<base64 pattern>$<base64 salt>$<base64 digest>, and for md5 also $md5$<base64
// digest>, unsalted. The pattern places {SALT} and {PASSWORD}, such as "{SALT}{PASSWORD}".
func parsePatternDigest(parts []string) (*plainDigest, error) {
	format := parts[1]
	newHash := plainHash(format) // parse admits only sha1, sha256, sha512 and md5 here
	d := &plainDigest{new: newHash}
	switch {
	case format == "md5" && len(parts) == 3:
		sum, err := decode64(format, "digest", parts[2], base64.StdEncoding.Strict())
		if err != nil {
			return nil, err
		}
		d.sum = sum
	case len(parts) == 5:
		pf, ok := strings.CutPrefix(parts[2], "pf=")
		if !ok {
			return nil, malformed(format, "want pf=<pattern> after the identifier")
		}
		var err error
		var pattern, salt []byte
		if pattern, err = decode64(format, "pattern", pf, base64.StdEncoding.Strict()); err != nil {
			return nil, err
		}
		if salt, err = decode64(format, "salt", parts[3], base64.StdEncoding.Strict()); err != nil {
			return nil, err
		}
		if d.sum, err = decode64(format, "digest", parts[4], base64.StdEncoding.Strict()); err != nil {
			return nil, err
		}
		// Kratos accepts a pattern without the password; any password would then match.
		if !strings.Contains(string(pattern), "{PASSWORD}") {
			return nil, malformed(format, "the pattern does not hold {PASSWORD}")
		}
		d.pattern, d.salt = string(pattern), string(salt)
	default:
		return nil, malformed(format, "want $pf=<pattern>$<salt>$<digest>")
	}
	if size := newHash().Size(); len(d.sum) != size {
		return nil, malformed(format, "the digest is %d bytes; want %d", len(d.sum), size)
	}
	return d, nil
}

func (d *plainDigest) match(password []byte) bool {
	h := d.new()
	if d.pattern == "" {
		h.Write(password)
	} else {
		// One pass, as Kratos's strings.Replacer does: a password holding "{SALT}" stays as it is.
		strings.NewReplacer("{SALT}", d.salt, "{PASSWORD}", string(password)).WriteString(h, d.pattern)
	}
	return subtle.ConstantTimeCompare(h.Sum(nil), d.sum) == 1
}

// hmacDigest is $hmac-<digest>$<base64 of the MAC in hex>$<base64 key>. The key may be empty.
type hmacDigest struct {
	new      func() hash.Hash
	mac, key []byte
}

func parseHMAC(parts []string) (*hmacDigest, error) {
	format := parts[1]
	newHash := plainHash(strings.TrimPrefix(format, "hmac-"))
	if newHash == nil {
		return nil, malformed("hmac", "unknown digest; md4, md5, sha1, sha224, sha256, sha384 and sha512 are supported")
	}
	if err := fieldCount(format, parts, 4); err != nil {
		return nil, err
	}
	hexMAC, err := decode64(format, "MAC", parts[2], base64.StdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	key, err := decode64(format, "key", parts[3], base64.StdEncoding.Strict())
	if err != nil {
		return nil, err
	}
	mac := make([]byte, hex.DecodedLen(len(hexMAC)))
	if _, err := hex.Decode(mac, hexMAC); err != nil {
		return nil, malformed(format, "the MAC is not hexadecimal")
	}
	if size := newHash().Size(); len(mac) != size {
		return nil, malformed(format, "the MAC is %d bytes; want %d", len(mac), size)
	}
	return &hmacDigest{new: newHash, mac: mac, key: key}, nil
}

func (d *hmacDigest) match(password []byte) bool {
	m := hmac.New(d.new, d.key)
	m.Write(password)
	return subtle.ConstantTimeCompare(m.Sum(nil), d.mac) == 1
}
