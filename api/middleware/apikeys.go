package middleware

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// MinAPIKeyLength is the fewest bytes an API key may have: shorter ones can be guessed.
const MinAPIKeyLength = 16

// hashedKeyPrefix starts every line of an API key file: the hash the line holds.
const hashedKeyPrefix = "sha256:"

// APIKeys is a set of preshared API keys, kept only as SHA-256 digests. SHA-256 and not a slow
// password hash: keys are random secrets, not passwords, and a check must cost microseconds.
// The zero value holds no key.
type APIKeys struct {
	digests [][sha256.Size]byte
}

// NewAPIKeys returns the set of keys. A key shorter than [MinAPIKeyLength] bytes, or holding
// whitespace or a comma (the separator of lists in the environment), is refused.
func NewAPIKeys(keys ...string) (*APIKeys, error) {
	k := &APIKeys{}
	for i, key := range keys {
		if len(key) < MinAPIKeyLength {
			return nil, fmt.Errorf("API key %d has %d bytes: a key needs at least %d (make one with `ward apikey new`)", i+1, len(key), MinAPIKeyLength)
		}
		if strings.ContainsAny(key, " \t\r\n,") {
			return nil, fmt.Errorf("API key %d holds whitespace or a comma", i+1)
		}
		k.digests = append(k.digests, sha256.Sum256([]byte(key)))
	}
	return k, nil
}

// HashAPIKey returns the line of an API key file that holds key.
func HashAPIKey(key string) string {
	d := sha256.Sum256([]byte(key))
	return hashedKeyPrefix + hex.EncodeToString(d[:])
}

// ParseAPIKeyFile reads an API key file into k: one key per line as `sha256:<64 hex digits>`
// (what [HashAPIKey] and `ward apikey hash` write), optionally followed by whitespace and a
// label; blank lines and lines starting with '#' are skipped. Errors name the file and line.
func (k *APIKeys) ParseAPIKeyFile(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		field, _, _ := strings.Cut(strings.ReplaceAll(s, "\t", " "), " ")
		hexDigest, ok := strings.CutPrefix(field, hashedKeyPrefix)
		if !ok {
			return fmt.Errorf("%s:%d: want sha256:<64 hex digits> (from `ward apikey hash`), not a key in clear", name, line)
		}
		var d [sha256.Size]byte
		if len(hexDigest) != 2*sha256.Size {
			return fmt.Errorf("%s:%d: the digest has %d hex digits, want %d", name, line, len(hexDigest), 2*sha256.Size)
		}
		if _, err := hex.Decode(d[:], []byte(hexDigest)); err != nil {
			return fmt.Errorf("%s:%d: the digest is not hexadecimal: %w", name, line, err)
		}
		k.digests = append(k.digests, d)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// Add adds the keys of o to k.
func (k *APIKeys) Add(o *APIKeys) { k.digests = append(k.digests, o.digests...) }

// Len returns the number of keys.
func (k *APIKeys) Len() int { return len(k.digests) }

// Match reports whether presented is one of the keys. It compares the presented key's digest
// with every key's, without stopping at a match, so that its time tells nothing of which key
// matched or how much of one.
func (k *APIKeys) Match(presented string) bool {
	d := sha256.Sum256([]byte(presented))
	found := 0
	for i := range k.digests {
		found |= subtle.ConstantTimeCompare(d[:], k.digests[i][:])
	}
	return found == 1
}
