// Package token owns ward's opaque OAuth2 tokens: access and refresh tokens, authorization codes and
// device codes. It mints them, checks their integrity without touching any store, and derives the key
// under which the store keeps their state.
//
// A token reads
//
//	ward_<kind>_<random>.<mac>
//
// where kind is a two-letter [Kind] prefix, random is 32 bytes from crypto/rand and mac is
// HMAC-SHA256(secret, "ward_<kind>_<random>"), both base64url without padding. Every token has the
// same length, [Length]. The mac is the token's signature: the store keys a token's state by
// [StorageKey] of the signature, a SHA-256 of it, so that a dump of the database holds nothing that
// can be presented as a token, nor anything from which one can be rebuilt.
//
// A [Codec] signs with its first secret and accepts any of its secrets, so that a secret can be
// rotated: add the new one first, keep the old one until the tokens it signed have expired, then drop
// it. Verification of a token that was not minted by one of the secrets fails before any store
// access, in constant time in the mac comparison, and never names the token in its error.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/wardhq/ward/fault"
)

// Kind is what a token is for. The zero value is not a valid kind.
type Kind uint8

// The kinds of token ward mints.
const (
	AccessToken   Kind = iota + 1 // prefix "at"
	RefreshToken                  // prefix "rt"
	AuthorizeCode                 // prefix "ac": an authorization code (RFC 6749 §4.1)
	DeviceCode                    // prefix "dc": a device code (RFC 8628 §3.2)
)

var kindPrefixes = [...]string{
	AccessToken:   "at",
	RefreshToken:  "rt",
	AuthorizeCode: "ac",
	DeviceCode:    "dc",
}

// Prefix returns the two letters that name the kind in a token, or "" for an invalid kind.
func (k Kind) Prefix() string {
	if k == 0 || int(k) >= len(kindPrefixes) {
		return ""
	}
	return kindPrefixes[k]
}

func (k Kind) String() string {
	switch k {
	case AccessToken:
		return "access_token"
	case RefreshToken:
		return "refresh_token"
	case AuthorizeCode:
		return "authorization_code"
	case DeviceCode:
		return "device_code"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// kindOf returns the kind whose prefix is a+b, or 0.
func kindOf(a, b byte) Kind {
	for k := AccessToken; k <= DeviceCode; k++ {
		if p := kindPrefixes[k]; p[0] == a && p[1] == b {
			return k
		}
	}
	return 0
}

// Sizes of a token and its parts.
const (
	// RandomBytes is the entropy of a token, in bytes.
	RandomBytes = 32
	// MinSecretLength is the shortest secret NewCodec accepts: as many bytes as the MAC has.
	MinSecretLength = sha256.Size
	// Length is the length of every token, 95 bytes: anything else is malformed.
	Length = signedLen + 1 + macLen

	scheme       = "ward_"
	headerLen    = len(scheme) + 2 + 1 // "ward_at_"
	randomLen    = (RandomBytes*8 + 5) / 6
	macLen       = (sha256.Size*8 + 5) / 6
	signedLen    = headerLen + randomLen // the part the mac covers
	hmacBlock    = sha256.BlockSize
	innerMsgSize = hmacBlock + signedLen
	outerMsgSize = hmacBlock + sha256.Size
)

var b64 = base64.RawURLEncoding

// Errors of Verify. Both are InvalidArgument on the field "token"; neither names the token. Compare
// with errors.Is.
var (
	// ErrMalformed is returned for text that is not shaped like a ward token.
	ErrMalformed = &fault.Error{Code: fault.InvalidArgument, Field: "token", Message: "not a well-formed token"}
	// ErrSignature is returned for a well-formed token whose mac none of the secrets produce: a forgery,
	// a token altered in transit, or one signed by a secret that has since been retired.
	ErrSignature = &fault.Error{Code: fault.InvalidArgument, Field: "token", Message: "token signature is not valid"}
)

// Codec mints and verifies tokens with a list of secrets. It is safe for concurrent use and holds no
// state beyond its secrets.
type Codec struct {
	keys []macKey // keys[0] signs
}

// macKey is one secret, expanded into the HMAC pads once so that Verify does no per-call key work.
type macKey struct {
	ipad, opad [hmacBlock]byte
}

// NewCodec returns a codec that signs with secrets[0] and accepts a token signed by any of secrets.
// Each secret must be at least MinSecretLength bytes of random data; the codec keeps copies.
func NewCodec(secrets ...[]byte) (*Codec, error) {
	if len(secrets) == 0 {
		return nil, fault.Invalid("secrets", "at least one token secret is required")
	}
	c := &Codec{keys: make([]macKey, len(secrets))}
	for i, s := range secrets {
		if len(s) < MinSecretLength {
			return nil, fault.Invalid(fmt.Sprintf("secrets[%d]", i),
				"a token secret must be at least %d bytes; this one is %d", MinSecretLength, len(s))
		}
		key := s
		if len(key) > hmacBlock { // RFC 2104: a key longer than the block is hashed first
			sum := sha256.Sum256(key)
			key = sum[:]
		}
		for j := range hmacBlock {
			var b byte
			if j < len(key) {
				b = key[j]
			}
			c.keys[i].ipad[j] = b ^ 0x36
			c.keys[i].opad[j] = b ^ 0x5c
		}
	}
	return c, nil
}

// Mint returns a new token of the given kind and its signature, the value to pass to [StorageKey].
// Mint panics if kind is not one of the declared kinds: that is a bug in the caller, never input.
func (c *Codec) Mint(kind Kind) (token, signature string) {
	var random [RandomBytes]byte
	rand.Read(random[:]) // never fails (crypto/rand, Go 1.24+)
	return c.mint(kind, random)
}

// mint is Mint with the random bytes given, for tests that need determinism.
func (c *Codec) mint(kind Kind, random [RandomBytes]byte) (token, signature string) {
	prefix := kind.Prefix()
	if prefix == "" {
		panic(fmt.Sprintf("token: Mint called with invalid %v", kind))
	}
	var buf [Length]byte
	n := copy(buf[:], scheme)
	n += copy(buf[n:], prefix)
	buf[n] = '_'
	b64.Encode(buf[headerLen:signedLen], random[:])
	buf[signedLen] = '.'
	var mac [sha256.Size]byte
	c.keys[0].sum(&mac, buf[:signedLen])
	b64.Encode(buf[signedLen+1:], mac[:])
	token = string(buf[:])
	return token, token[signedLen+1:]
}

// Verify checks that token is well formed and signed by one of the codec's secrets, and returns its
// kind and signature. It does not allocate, and it touches no store: a token that fails here must
// be treated as unknown. Whether the token is still active (not expired, revoked or used) is for the
// store to say, under StorageKey(signature).
//
// The error is ErrMalformed or ErrSignature.
func (c *Codec) Verify(token string) (Kind, string, error) {
	if len(token) != Length || token[:len(scheme)] != scheme || token[headerLen-1] != '_' ||
		token[signedLen] != '.' {
		return 0, "", ErrMalformed
	}
	kind := kindOf(token[len(scheme)], token[len(scheme)+1])
	if kind == 0 || !canonicalBase64(token[headerLen:signedLen]) || !canonicalBase64(token[signedLen+1:]) {
		return 0, "", ErrMalformed
	}
	var signed [signedLen]byte
	copy(signed[:], token)
	var got [macLen]byte
	copy(got[:], token[signedLen+1:])
	for i := range c.keys {
		var mac [sha256.Size]byte
		c.keys[i].sum(&mac, signed[:])
		var want [macLen]byte
		b64.Encode(want[:], mac[:])
		// Comparing the encoded forms means a token is accepted only in its one canonical spelling.
		if subtle.ConstantTimeCompare(want[:], got[:]) == 1 {
			return kind, token[signedLen+1:], nil
		}
	}
	return 0, "", ErrSignature
}

// sum writes HMAC-SHA256(key, msg) to out, for msg of exactly signedLen bytes. It is RFC 2104 over
// stack buffers, which crypto/hmac (behind an interface, so its buffers escape) cannot offer without
// an allocation; the tests check it against crypto/hmac.
func (k *macKey) sum(out *[sha256.Size]byte, msg []byte) {
	var inner [innerMsgSize]byte
	copy(inner[:], k.ipad[:])
	copy(inner[hmacBlock:], msg)
	ih := sha256.Sum256(inner[:])
	var outer [outerMsgSize]byte
	copy(outer[:], k.opad[:])
	copy(outer[hmacBlock:], ih[:])
	*out = sha256.Sum256(outer[:])
}

// canonicalBase64 reports whether s is unpadded base64url whose unused trailing bits are zero, so that
// it is the only spelling of the bytes it encodes. s is randomLen (== macLen) characters long: 43
// characters carry 258 bits, so the last one carries 4 bits and 2 zero bits.
func canonicalBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		if b64Value[s[i]] < 0 {
			return false
		}
	}
	return b64Value[s[len(s)-1]]&0x03 == 0
}

var b64Value = func() (t [256]int8) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = int8(i)
	}
	return t
}()

// StorageKey returns the key under which the store keeps the state of the token with this signature:
// the SHA-256 of the signature, in lower-case hex (64 characters). The store never sees the token
// itself, nor the signature.
func StorageKey(signature string) string {
	var sum [sha256.Size]byte
	if len(signature) == macLen {
		var buf [macLen]byte // a signature from Verify or Mint: hashed without a copy to the heap
		copy(buf[:], signature)
		sum = sha256.Sum256(buf[:])
	} else {
		sum = sha256.Sum256([]byte(signature))
	}
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}
