package engine

import (
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"

	"github.com/wardhq/ward/store"
)

// Snapshot tokens and page tokens share one sealed form: base64url of a version byte, a revision,
// a payload, and a CRC-32C of all of them, so that a mangled token is refused rather than misread.
// The checksum guards against accidents, not forgery: a forged token names a snapshot, which any
// client may ask for anyway.

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func seal(version byte, rev store.Revision, payload string) string {
	b := make([]byte, 1, 16+len(payload))
	b[0] = version
	b, _ = rev.AppendBinary(b)
	b = append(b, payload...)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	return base64.RawURLEncoding.EncodeToString(b)
}

// unseal reverses seal; ok is false for text that seal did not make with this version.
func unseal(s string, version byte) (rev store.Revision, payload string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 1+2+4 {
		return store.Revision{}, "", false
	}
	body, sum := b[:len(b)-4], b[len(b)-4:]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(sum) || body[0] != version {
		return store.Revision{}, "", false
	}
	rev, rest, err := store.DecodeRevision(body[1:])
	if err != nil {
		return store.Revision{}, "", false
	}
	return rev, string(rest), true
}
