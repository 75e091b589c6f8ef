package engine

import (
	"context"
	"iter"

	"github.com/wardhq/ward/engine/schema"
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

// pageStart resolves a page request to its snapshot and starting key. bind names the request
// (see [binding]): a token made for another request is refused.
//
// A page token pins the snapshot of the first page, whatever consistency the later pages ask for,
// as SpiceDB's cursors do: the pages of one read then form one consistent answer, with no item
// missed or repeated because of a write in between. The first page honours the consistency asked
// for, so fully_consistent reads the newest snapshot at the start of the read; as tokens are
// signed, no client can pin a snapshot the server did not choose for it.
func (e *Engine) pageStart(ctx context.Context, c Consistency, p Page, bind string) (*snapshot, string, int, error) {
	size, err := p.size()
	if err != nil {
		return nil, "", 0, err
	}
	if p.Token == "" {
		snap, err := e.snapshotFor(ctx, c)
		return snap, "", size, err
	}
	cur, err := e.pages.open(bind, p.Token)
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
	bind := binding("ReadTuples", filterKey(f))
	snap, after, size, err := e.pageStart(ctx, c, p, bind)
	if err != nil {
		return nil, "", "", err
	}
	if err := validateFilter(snap.schema, f); err != nil {
		err = e.explainStale(ctx, snap, err, func(s *schema.Schema) error { return validateFilter(s, f) })
		return nil, "", "", fault.InField("filter", err)
	}
	opts := store.QueryOptions{Limit: size + 1}
	if after != "" {
		t, err := store.ParseTuple(after)
		if err != nil {
			return nil, "", "", fault.Bugf("a signed page token holds %q, which is not a tuple", after)
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
		next = e.pages.sign(bind, cursor{rev: snap.rev, after: out[size-1].String()})
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

// filterKey writes f for a page token's binding: every field, length-prefixed.
func filterKey(f store.TupleFilter) string {
	subjectRelation := "any"
	if f.SubjectRelation != nil {
		subjectRelation = "=" + *f.SubjectRelation
	}
	return binding("filter", f.ResourceType, binding("ids", f.ResourceIDs...), f.Relation, f.SubjectType,
		binding("ids", f.SubjectIDs...), subjectRelation)
}
