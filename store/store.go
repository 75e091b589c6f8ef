package store

import (
	"context"
	"iter"
	"time"
)

// Store is a database of tuples and schemas with snapshot reads. Implementations are safe for
// concurrent use.
type Store interface {
	// HeadRevision returns the revision of the newest commit.
	HeadRevision(ctx context.Context) (Revision, error)

	// OptimizedRevision returns a revision whose snapshot is at most maxStaleness older than the
	// newest commit, chosen so that it stays the same across many calls (caches keyed by revision
	// then hit). It never returns a revision older than one already acknowledged more than
	// maxStaleness ago.
	OptimizedRevision(ctx context.Context, maxStaleness time.Duration) (Revision, error)

	// Snapshot returns a reader of the state at rev. Its reads fail with FailedPrecondition when rev
	// is newer than the head or older than the history the store keeps.
	Snapshot(rev Revision) Reader

	// Transact runs fn in a read-write transaction and commits it atomically. It returns the
	// revision of the commit, or the error of fn, in which case nothing of the transaction is
	// applied. Reads inside fn see the newest committed state; whether they see fn's own pending
	// writes is unspecified, so fn reads before it writes. A transaction that changes nothing
	// (no writes, or only no-op ones) returns a revision no older than the head at which it ran. A
	// Tx is not safe for concurrent use.
	Transact(ctx context.Context, fn func(ctx context.Context, tx Tx) error) (Revision, error)

	// Watch yields every change set committed after rev, in revision order, and then waits for more
	// until ctx ends, when it stops (yielding nothing or a Canceled error). It yields a
	// FailedPrecondition error when rev is older than the history the store keeps or newer than
	// the head.
	Watch(ctx context.Context, after Revision) iter.Seq2[ChangeSet, error]

	// Ping reports whether the store answers; /health/ready uses it.
	Ping(ctx context.Context) error

	// Close releases the store's resources.
	Close() error
}

// Reader reads one snapshot.
type Reader interface {
	// QueryTuples yields the tuples that match f, in the order of [Tuple.Compare], starting after
	// opts.After and stopping after opts.Limit tuples when it is positive. An error may follow
	// tuples already yielded (the snapshot was collected mid-query, say); the caller then
	// discards the partial result.
	QueryTuples(ctx context.Context, f TupleFilter, opts QueryOptions) iter.Seq2[Tuple, error]

	// ReadSchema returns the schema in force. It fails with NotFound when none was ever written.
	ReadSchema(ctx context.Context) (SchemaVersion, error)
}

// Tx is a read-write transaction.
type Tx interface {
	Reader

	// WriteTuples applies updates, all or none of them, and returns how many tuples its Delete
	// updates removed, those written earlier in the transaction included. A Create of a tuple that
	// exists fails with AlreadyExists; a Delete of one that does not is a no-op, and not counted.
	WriteTuples(ctx context.Context, updates []Update) (int, error)

	// DeleteTuples deletes every tuple that matches f, those written earlier in the transaction
	// included, and returns how many it deleted. Callers guard against an empty filter.
	DeleteTuples(ctx context.Context, f TupleFilter) (int, error)

	// WriteSchema replaces the schema text. The caller has validated it.
	WriteSchema(ctx context.Context, text string) error
}

// QueryOptions pages a query.
type QueryOptions struct {
	After *Tuple // yield only tuples after this one
	Limit int    // at most this many; 0 means no limit
}

// TupleFilter selects tuples. An empty field matches anything.
type TupleFilter struct {
	ResourceType string
	ResourceIDs  []string // any of these IDs
	Relation     string
	SubjectType  string
	SubjectIDs   []string // any of these IDs; a wildcard tuple matches only "*" here
	// SubjectRelation, when not nil, selects subjects with exactly this relation; "" selects
	// subjects without one (objects and wildcards).
	SubjectRelation *string
}

// Matches reports whether t passes f.
func (f *TupleFilter) Matches(t Tuple) bool {
	return (f.ResourceType == "" || f.ResourceType == t.Resource.Type) &&
		(len(f.ResourceIDs) == 0 || contains(f.ResourceIDs, t.Resource.ID)) &&
		(f.Relation == "" || f.Relation == t.Relation) &&
		(f.SubjectType == "" || f.SubjectType == t.Subject.Type) &&
		(len(f.SubjectIDs) == 0 || contains(f.SubjectIDs, t.Subject.ID)) &&
		(f.SubjectRelation == nil || *f.SubjectRelation == t.Subject.Relation)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Compare orders tuples by resource type, resource ID, relation, subject type, subject ID and subject
// relation.
func (t Tuple) Compare(o Tuple) int {
	for _, p := range [...][2]string{
		{t.Resource.Type, o.Resource.Type},
		{t.Resource.ID, o.Resource.ID},
		{t.Relation, o.Relation},
		{t.Subject.Type, o.Subject.Type},
		{t.Subject.ID, o.Subject.ID},
		{t.Subject.Relation, o.Subject.Relation},
	} {
		switch {
		case p[0] < p[1]:
			return -1
		case p[0] > p[1]:
			return 1
		}
	}
	return 0
}

// Operation is what an Update does.
type Operation uint8

const (
	// Create inserts a tuple and fails when it exists.
	Create Operation = iota + 1
	// Touch inserts a tuple or leaves it as it is.
	Touch
	// Delete removes a tuple if it exists.
	Delete
)

func (o Operation) String() string {
	switch o {
	case Create:
		return "create"
	case Touch:
		return "touch"
	case Delete:
		return "delete"
	}
	return "unknown"
}

// Update is one change to a tuple.
type Update struct {
	Op    Operation
	Tuple Tuple
}

// ChangeSet is what one commit changed, in [Tuple.Compare] order. Only effective changes are
// listed: a Touch of an existing tuple or a Delete of a missing one is not.
type ChangeSet struct {
	Revision      Revision
	Changes       []Change
	SchemaChanged bool
}

// Change is one effective change: Op is Touch for an insert and Delete for a removal.
type Change struct {
	Op    Operation
	Tuple Tuple
}

// SchemaVersion is a stored schema text and the revision that wrote it.
type SchemaVersion struct {
	Text     string
	Revision Revision
}
