package engine

import (
	"context"
	"iter"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Page sizes of the paginated reads.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Page asks for one page of a paginated read. A zero Size means DefaultPageSize; Token continues
// a previous page and pins its snapshot.
type Page struct {
	Size  int
	Token string
}

func (p Page) size() (int, error) {
	switch {
	case p.Size == 0:
		return DefaultPageSize, nil
	case p.Size < 0 || p.Size > MaxPageSize:
		return 0, fault.Invalid("page_size", "page size %d is out of range 1..%d", p.Size, MaxPageSize)
	}
	return p.Size, nil
}

// cursor is where the next page starts: the snapshot of the first page and the last key returned.
type cursor struct {
	rev   store.Revision
	after string
}

const cursorVersion = 1

func encodeCursor(c cursor) string { return seal(cursorVersion, c.rev, c.after) }

// decodeCursor reads a page token; the error is InvalidArgument naming page_token.
func decodeCursor(s string) (cursor, error) {
	rev, after, ok := unseal(s, cursorVersion)
	if !ok {
		return cursor{}, fault.Invalid("page_token", "page token is malformed")
	}
	return cursor{rev: rev, after: after}, nil
}

// pageStart resolves a page request to its snapshot and starting key.
func (e *Engine) pageStart(ctx context.Context, c Consistency, p Page) (*snapshot, string, int, error) {
	size, err := p.size()
	if err != nil {
		return nil, "", 0, err
	}
	if p.Token == "" {
		snap, err := e.snapshotFor(ctx, c)
		return snap, "", size, err
	}
	cur, err := decodeCursor(p.Token)
	if err != nil {
		return nil, "", 0, err
	}
	snap, err := e.snapshotAt(ctx, cur.rev)
	if err != nil {
		if fault.CodeOf(err) == fault.FailedPrecondition {
			return nil, "", 0, fault.Wrap(fault.FailedPrecondition, err, "page token expired: its snapshot is no longer kept; start the read again")
		}
		return nil, "", 0, err
	}
	return snap, cur.after, size, nil
}

// ReadTuples returns one page of the tuples that match f, in a stable order, the next page's
// token ("" after the last page), and the token of the snapshot read.
func (e *Engine) ReadTuples(ctx context.Context, c Consistency, f store.TupleFilter, p Page) ([]store.Tuple, string, Token, error) {
	snap, after, size, err := e.pageStart(ctx, c, p)
	if err != nil {
		return nil, "", "", err
	}
	if err := validateFilter(snap.schema, f); err != nil {
		return nil, "", "", fault.InField("filter", err)
	}
	opts := store.QueryOptions{Limit: size + 1}
	if after != "" {
		t, err := store.ParseTuple(after)
		if err != nil {
			return nil, "", "", fault.Invalid("page_token", "page token is malformed")
		}
		opts.After = &t
	}
	var out []store.Tuple
	for t, err := range snap.reader.QueryTuples(ctx, f, opts) {
		if err != nil {
			return nil, "", "", err
		}
		out = append(out, t)
	}
	next := ""
	if len(out) > size {
		out = out[:size]
		next = encodeCursor(cursor{rev: snap.rev, after: out[size-1].String()})
	}
	return out, next, snap.token, nil
}

// Watch returns the change sets committed after the snapshot of token (or after the newest
// commit, for an empty token), which it resolves now: changes committed after Watch returns are
// never missed. The sequence waits for more changes until ctx ends.
func (e *Engine) Watch(ctx context.Context, after Token) (iter.Seq2[store.ChangeSet, error], error) {
	var rev store.Revision
	var err error
	if after == "" {
		rev, err = e.store.HeadRevision(ctx)
	} else if rev, err = ParseToken(after); err != nil {
		err = fault.InField("after", err)
	}
	if err != nil {
		return nil, err
	}
	return e.store.Watch(ctx, rev), nil
}
