package engine

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Page tokens are signed, so that a client can only continue a read the server started: the
// token names the snapshot of the first page, and without a signature anyone could pick an older
// snapshot than the consistency they asked for allows (a read from before a revocation). A token
// is base64url of
//
//	version | revision | fingerprint of the request (8 bytes) | uvarint len(after) | after | HMAC-SHA256
//
// where the HMAC covers everything before it. The fingerprint binds the token to the request that
// made it (method, type, permission or relation, subject, filter), so that a token is refused for
// any other request; it sits inside the signed part, which lets the error tell a forged token from
// one made for another request.

const (
	pageTokenVersion = 2
	fingerprintLen   = 8
	macLen           = sha256.Size
)

// pageKeys signs page tokens with the first key and accepts tokens signed with any of them, so
// that a key can be rotated: add the new one first, drop the old one after pages have expired.
type pageKeys [][]byte

func randomPageKeys() pageKeys {
	k := make([]byte, 32)
	rand.Read(k)
	return pageKeys{k}
}

// binding names one request for page tokens: the method and each field that selects what the
// pages hold. Fields are length-prefixed, so that no two different requests share a binding.
func binding(method string, fields ...string) string {
	var b strings.Builder
	b.WriteString(method)
	for _, f := range fields {
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(len(f)))
		b.WriteByte(':')
		b.WriteString(f)
	}
	return b.String()
}

func fingerprint(bind string) []byte {
	sum := sha256.Sum256([]byte(bind))
	return sum[:fingerprintLen]
}

func (k pageKeys) mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)
}

// sign returns the page token of cursor c for the request bind.
func (k pageKeys) sign(bind string, c cursor) string {
	b := make([]byte, 1, 32+len(c.after)+macLen)
	b[0] = pageTokenVersion
	b, _ = c.rev.AppendBinary(b)
	b = append(b, fingerprint(bind)...)
	b = binary.AppendUvarint(b, uint64(len(c.after)))
	b = append(b, c.after...)
	b = append(b, k.mac(k[0], b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func errNotPageToken() error {
	return fault.Invalid("page_token", "the page token is not a valid page token: pass next_page_token from the previous page unchanged")
}

func errOtherRequest() error {
	return fault.Invalid("page_token", "the page token was not made for this request: a page token continues only the request that returned it")
}

// open verifies token and returns its cursor. The error is InvalidArgument naming page_token.
func (k pageKeys) open(bind, token string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) < 1+macLen {
		return cursor{}, errNotPageToken()
	}
	body, sum := b[:len(b)-macLen], b[len(b)-macLen:]
	signed := false
	for _, key := range k {
		// hmac.Equal compares in constant time.
		if hmac.Equal(k.mac(key, body), sum) {
			signed = true
			break
		}
	}
	if !signed || body[0] != pageTokenVersion {
		return cursor{}, errNotPageToken()
	}
	rev, rest, err := store.DecodeRevision(body[1:])
	if err != nil || len(rest) < fingerprintLen {
		return cursor{}, errNotPageToken()
	}
	if !hmac.Equal(rest[:fingerprintLen], fingerprint(bind)) {
		return cursor{}, errOtherRequest()
	}
	rest = rest[fingerprintLen:]
	n, used := binary.Uvarint(rest)
	if used <= 0 || n != uint64(len(rest)-used) {
		return cursor{}, errNotPageToken()
	}
	return cursor{rev: rev, after: string(rest[used:])}, nil
}
