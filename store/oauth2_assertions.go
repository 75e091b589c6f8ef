package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"
)

// ErrAssertionReplayed is the cause of the error [AssertionStore.UseAssertionID] returns when the
// assertion ID was used already and has not expired: a replayed client assertion. The error also
// carries fault.AlreadyExists; test it with errors.Is.
var ErrAssertionReplayed = errors.New("the assertion ID was used already")

// AssertionStore remembers the IDs (jti) of client assertions (RFC 7523 §3, OpenID Connect Core §9)
// until they expire, so that an assertion is accepted once across every node that shares the
// store.
type AssertionStore interface {
	// UseAssertionID records that clientID presented an assertion with ID jti that expires at
	// expiresAt, atomically: of two concurrent calls with the same clientID and jti, on any nodes,
	// one succeeds and the other fails with fault.AlreadyExists wrapping ErrAssertionReplayed. An
	// ID recorded earlier whose expiresAt is before now (the caller's clock) is forgotten and may
	// be used again: such an assertion is refused by its exp anyway. DeleteExpired deletes expired
	// IDs. The store keeps only a hash of clientID and jti.
	UseAssertionID(ctx context.Context, clientID, jti string, expiresAt, now time.Time) error
}

// AssertionKey is the key under which stores keep an assertion ID: the SHA-256 of the client ID
// and the jti, so that a jti of any length (the domain bounds it) takes 32 bytes, and keys spread
// evenly over a CockroachDB keyspace.
func AssertionKey(clientID, jti string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(clientID))
	h.Write([]byte{0}) // client IDs hold no NUL (the domain refuses them), so the pair is unambiguous
	h.Write([]byte(jti))
	return [sha256.Size]byte(h.Sum(nil))
}
