package engine

import (
	"context"
	"sync/atomic"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Consistency is a read's freshness requirement. The zero value is MinimizeLatency.
type Consistency struct {
	Mode  ConsistencyMode
	Token Token // for AtLeastAsFresh
}

// ConsistencyMode picks how fresh a read's snapshot must be.
type ConsistencyMode uint8

const (
	// MinimizeLatency accepts any snapshot no older than the configured max staleness, nor than
	// the newest schema write the engine knows of.
	MinimizeLatency ConsistencyMode = iota
	// AtLeastAsFresh requires a snapshot at or after Consistency.Token.
	AtLeastAsFresh
	// FullyConsistent requires the newest committed snapshot.
	FullyConsistent
)

// Token is an opaque snapshot token: what a write returns and what AtLeastAsFresh takes. It
// seals the snapshot's revision (see seal).
type Token string

const tokenVersion = 1

// encodeToken returns the token of rev.
func encodeToken(rev store.Revision) Token { return Token(seal(tokenVersion, rev, "")) }

// ParseToken decodes a token; the error is InvalidArgument.
func ParseToken(t Token) (store.Revision, error) {
	rev, rest, ok := unseal(string(t), tokenVersion)
	if !ok || rest != "" {
		return store.Revision{}, fault.Invalid("", "snapshot token %q is malformed or corrupt", truncated(string(t)))
	}
	return rev, nil
}

// TokenFor returns the token of rev. It is exported for the transport and tests.
func TokenFor(rev store.Revision) Token { return encodeToken(rev) }

// tokenMemo remembers the last revision and token converted either way: most requests of a busy
// server name the same snapshot, so this saves the encoding and decoding on the hot path.
type tokenMemo struct {
	last atomic.Pointer[revToken]
}

type revToken struct {
	rev store.Revision
	tok Token
}

func (m *tokenMemo) token(rev store.Revision) Token {
	if p := m.last.Load(); p != nil && p.rev == rev {
		return p.tok
	}
	tok := encodeToken(rev)
	m.last.Store(&revToken{rev: rev, tok: tok})
	return tok
}

func (m *tokenMemo) revision(tok Token) (store.Revision, error) {
	if p := m.last.Load(); p != nil && p.tok == tok {
		return p.rev, nil
	}
	rev, err := ParseToken(tok)
	if err == nil {
		m.last.Store(&revToken{rev: rev, tok: tok})
	}
	return rev, err
}

// revisionFor picks the snapshot that serves a read with consistency c.
func (e *Engine) revisionFor(ctx context.Context, c Consistency) (store.Revision, error) {
	switch c.Mode {
	case MinimizeLatency:
		return e.optimizedRevision(ctx)
	case FullyConsistent:
		return e.store.HeadRevision(ctx)
	case AtLeastAsFresh:
		want, err := e.tokens.revision(c.Token)
		if err != nil {
			return store.Revision{}, fault.InField("consistency.at_least_as_fresh", err)
		}
		// The optimized revision is shared by many requests, so its cache entries are warm:
		// prefer it whenever it already covers the token.
		if opt, err := e.optimizedRevision(ctx); err == nil && !opt.Less(want) {
			return opt, nil
		}
		// Otherwise the token's own snapshot, which satisfies the request without asking for the
		// newest commit: on PostgreSQL that question goes to the primary, which may be failing
		// over while a replica or the in-memory copy holds the snapshot. A token newer than every
		// commit fails when its snapshot is read (FailedPrecondition).
		return want, nil
	}
	return store.Revision{}, fault.Invalid("consistency", "unknown consistency mode %d", c.Mode)
}

func truncated(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
