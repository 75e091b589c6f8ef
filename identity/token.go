package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// SessionTokenPrefix starts every session token, as Kratos's do ("ory_st_"), so that a leaked
// token is recognizable to secret scanners.
const SessionTokenPrefix = "ory_st_"

// sessionTokenBytes is how much randomness a session token carries: 256 bits.
const sessionTokenBytes = 32

// SessionTokenLength is the length of every session token: the prefix and 32 random bytes in
// unpadded base64url (43 characters: 6 bits each, rounded up).
const SessionTokenLength = len(SessionTokenPrefix) + (sessionTokenBytes*8+5)/6

var tokenEncoding = base64.RawURLEncoding.Strict()

// newSessionToken returns a new random session token and its store key.
func newSessionToken() (token, key string) {
	b := make([]byte, sessionTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	token = SessionTokenPrefix + tokenEncoding.EncodeToString(b)
	return token, tokenKey(token)
}

// tokenKey is the store key of a session token: the hex SHA-256 of the token. The store never
// sees the token. For a token of a session token's length it allocates only the key: whoami
// calls it on every request.
func tokenKey(token string) string {
	var sum [sha256.Size]byte
	if len(token) == SessionTokenLength {
		var buf [SessionTokenLength]byte
		copy(buf[:], token)
		sum = sha256.Sum256(buf[:])
	} else {
		sum = sha256.Sum256([]byte(token))
	}
	var key [2 * sha256.Size]byte
	hex.Encode(key[:], sum[:])
	return string(key[:])
}

// ParseSessionToken checks that token has a session token's form (prefix, length, base64url
// alphabet, canonical encoding) and returns its store key; ok is false otherwise. Nothing is
// looked up for a token that fails, and the work done does not depend on the token's content.
func ParseSessionToken(token string) (key string, ok bool) {
	if len(token) != SessionTokenLength || !strings.HasPrefix(token, SessionTokenPrefix) {
		return "", false
	}
	var raw [sessionTokenBytes]byte
	var enc [SessionTokenLength - len(SessionTokenPrefix)]byte
	copy(enc[:], token[len(SessionTokenPrefix):])
	n, err := tokenEncoding.Decode(raw[:], enc[:])
	if err != nil || n != sessionTokenBytes {
		return "", false
	}
	return tokenKey(token), true
}
