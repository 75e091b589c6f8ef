package password

import (
	"golang.org/x/crypto/bcrypt"
)

// bcrypt's cost range, and its input limit: bcrypt reads only the first 72 bytes of a password.
const (
	bcryptMinCost   = bcrypt.MinCost
	bcryptMaxCost   = bcrypt.MaxCost
	bcryptMaxLength = 72
)

// bcryptDigest is a bcrypt hash: $2a$<cost>$<22 characters of salt><31 of hash>.
type bcryptDigest struct {
	encoded string
	cost    int
}

// isBcryptID reports whether id is one of the bcrypt identifiers Kratos accepts ($2[abyz]?$).
// golang.org/x/crypto/bcrypt computes all of them alike, which is right for every password under
// 256 bytes (the bug $2b$ fixed was a length counter that wrapped at 256). $2x$, crypt_blowfish's
// mark for hashes made with its sign-extension bug, is not among them.
func isBcryptID(id string) bool {
	switch id {
	case "2", "2a", "2b", "2y", "2z":
		return true
	}
	return false
}

func parseBcrypt(encoded string, parts []string, b *Bounds) (*bcryptDigest, error) {
	const format = "bcrypt"
	if err := fieldCount(format, parts, 4); err != nil {
		return nil, err
	}
	if len(parts[2]) != 2 {
		return nil, malformed(format, "the cost must be two digits")
	}
	cost, err := decimal(parts[2])
	switch {
	case err != nil:
		return nil, malformed(format, "the cost must be two digits")
	case cost < bcryptMinCost || cost > bcryptMaxCost:
		return nil, malformed(format, "the cost is %d; bcrypt's range is %d to %d", cost, bcryptMinCost, bcryptMaxCost)
	case cost > b.BcryptCost:
		return nil, overBound(format, "the cost", cost, b.BcryptCost, "BcryptCost")
	}
	if len(parts[3]) != 53 || !allCrypt64(parts[3]) {
		return nil, malformed(format, "want 53 characters of salt and hash in bcrypt's base64 alphabet")
	}
	return &bcryptDigest{encoded: encoded, cost: cost}, nil
}

// match verifies with golang.org/x/crypto/bcrypt, which compares in constant time. Like every
// bcrypt, it reads only the first 72 bytes of a longer password, so a hash imported from a system
// that accepted longer passwords verifies as it did there.
func (d *bcryptDigest) match(password []byte) bool {
	return bcrypt.CompareHashAndPassword([]byte(d.encoded), password) == nil
}

// allCrypt64 reports whether s is in the alphabet of bcrypt's and crypt(3)'s base64: ./0-9A-Za-z.
func allCrypt64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '/' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}
