package oauth2

import (
	"crypto/rand"
	"encoding/base64"
)

// dashSextet is the 6-bit value that base64url writes as '-'.
const dashSextet = 62

// randomText returns n bytes (n ≥ 1) from crypto/rand as base64url text without padding, whose
// first character is never '-': every ID and secret ward hands out is made here, because one that
// starts with '-' is taken for a flag by a command line (`ward login accept -Xy…` fails), and one
// in 64 would. The first byte is drawn again while its top six bits would encode '-', so it is
// uniform over the 252 other values: the text keeps its length and loses 0.02 bits of its 8·n.
// Other characters, '_' first included, are harmless to a command line and left as they come.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	for b[0]>>2 == dashSextet {
		rand.Read(b[:1])
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
