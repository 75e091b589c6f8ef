package sql

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// querier is what reads need: a pool, or a transaction's connection.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// reader reads the snapshot at rev.
type reader struct {
	s   *Store
	rev int64
	// q, when set, is the transaction the reads belong to; otherwise each read picks a pool.
	q querier
}

// Snapshot returns a reader of the state at rev.
func (s *Store) Snapshot(rev store.Revision) store.Reader {
	return &reader{s: s, rev: int64(rev.Major)}
}

// source picks the connection pool for a read at r.rev: a replica that has replayed it, or the
// primary.
func (r *reader) source() querier {
	if r.q != nil {
		return r.q
	}
	if p := r.s.replicaFor(r.rev); p != nil {
		r.s.reads[1].Add(1)
		return p
	}
	r.s.reads[0].Add(1)
	return r.s.primary
}

// do runs a read, retrying transient failures unless it belongs to a transaction, which
// Transact retries as a whole. With quorum nodes, a read bound for the primary is given
// primaryPatience, and then goes to the quorum's choice (see quorum.go).
func (r *reader) do(ctx context.Context, what string, op func(context.Context) error) error {
	if r.q != nil {
		return op(ctx)
	}
	if r.s.replicaFor(r.rev) != nil {
		return r.s.retry(ctx, what, op)
	}
	toQuorum, err := r.s.tryPrimary(ctx, func(ctx context.Context) error { return r.s.retry(ctx, what, op) })
	if !toQuorum {
		return err
	}
	// The read goes to the quorum's choice: ask again unless it has the snapshot.
	if c := r.s.quorumBest.Load(); c == nil || c.head < r.rev {
		if _, err := r.s.quorumHead(ctx); err != nil {
			return err
		}
	}
	return r.s.retry(ctx, what, op)
}

// check fails a read of a snapshot that is not readable: newer than the newest commit, or older
// than the history kept. On CockroachDB a snapshot slightly ahead of the cluster clock, as a
// commit's own is, becomes readable within microseconds: the read waits for it.
func (r *reader) check(ctx context.Context) error {
	switch {
	case r.q != nil || r.rev <= r.s.knownHead.Load():
	case r.s.cockroach:
		if err := r.s.awaitRevision(ctx, r.rev); err != nil {
			return err
		}
	default:
		head, err := r.s.HeadRevision(ctx)
		if err != nil {
			return err
		}
		if r.rev > int64(head.Major) {
			return fault.New(fault.FailedPrecondition, "snapshot %d is newer than the newest commit (%d)", r.rev, head.Major)
		}
	}
	if r.rev < r.s.collected.Load() {
		return fault.New(fault.FailedPrecondition,
			"snapshot %d is older than the history the store keeps (from %d)", r.rev, r.s.collected.Load())
	}
	return nil
}

const tupleColumns = `resource_type, resource_id, relation, subject_type, subject_id, subject_relation`

// QueryTuples yields the tuples that match f at the reader's snapshot, in Tuple.Compare order.
func (r *reader) QueryTuples(ctx context.Context, f store.TupleFilter, opts store.QueryOptions) iter.Seq2[store.Tuple, error] {
	return func(yield func(store.Tuple, error) bool) {
		if err := r.check(ctx); err != nil {
			yield(store.Tuple{}, err)
			return
		}
		sql, args := buildQuery(r.rev, r.asOf(), f, opts)
		var out []store.Tuple
		// Results are read whole before they are yielded, so that no connection is held while the
		// caller works, and so that a retry never repeats tuples already yielded.
		err := r.do(ctx, "query tuples", func(ctx context.Context) error {
			out = out[:0]
			rows, err := r.source().Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			var t store.Tuple
			_, err = pgx.ForEachRow(rows, []any{&t.Resource.Type, &t.Resource.ID, &t.Relation,
				&t.Subject.Type, &t.Subject.ID, &t.Subject.Relation}, func() error {
				out = append(out, t)
				return nil
			})
			return err
		})
		if err != nil {
			yield(store.Tuple{}, err)
			return
		}
		for _, t := range out {
			if !yield(t, nil) {
				return
			}
		}
	}
}

// sqlArgs collects the arguments of a statement and names their placeholders.
type sqlArgs []any

func (a *sqlArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// filterConditions renders f as " AND …" conditions.
func filterConditions(a *sqlArgs, f store.TupleFilter) string {
	var b strings.Builder
	eq := func(col, v string) {
		if v != "" {
			b.WriteString(" AND " + col + " = " + a.add(v))
		}
	}
	in := func(col string, vs []string) {
		switch len(vs) {
		case 0:
		case 1:
			eq(col, vs[0])
		default:
			b.WriteString(" AND " + col + " = ANY(" + a.add(vs) + ")")
		}
	}
	eq("resource_type", f.ResourceType)
	in("resource_id", f.ResourceIDs)
	eq("relation", f.Relation)
	eq("subject_type", f.SubjectType)
	in("subject_id", f.SubjectIDs)
	if f.SubjectRelation != nil {
		b.WriteString(" AND subject_relation = " + a.add(*f.SubjectRelation))
	}
	return b.String()
}

// buildQuery renders a query of the snapshot rev; asOf is the reader's AS OF SYSTEM TIME clause on
// CockroachDB.
func buildQuery(rev int64, asOf string, f store.TupleFilter, opts store.QueryOptions) (string, []any) {
	args := sqlArgs{rev}
	var b strings.Builder
	b.WriteString("SELECT " + tupleColumns + " FROM ward_tuples" + asOf + " WHERE created_rev <= $1 AND deleted_rev > $1")
	b.WriteString(filterConditions(&args, f))
	if a := opts.After; a != nil {
		fmt.Fprintf(&b, " AND (%s) > (%s, %s, %s, %s, %s, %s)", tupleColumns,
			args.add(a.Resource.Type), args.add(a.Resource.ID), args.add(a.Relation),
			args.add(a.Subject.Type), args.add(a.Subject.ID), args.add(a.Subject.Relation))
	}
	// The columns collate as bytes ("C"), as Go compares strings.
	b.WriteString(" ORDER BY " + tupleColumns)
	if opts.Limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(opts.Limit))
	}
	return b.String(), args
}

// ReadSchema returns the schema in force at the reader's snapshot.
func (r *reader) ReadSchema(ctx context.Context) (store.SchemaVersion, error) {
	if err := r.check(ctx); err != nil {
		return store.SchemaVersion{}, err
	}
	if r.q == nil {
		if v, ok := r.s.schemas.at(r.rev); ok {
			return r.found(v)
		}
	}
	var v store.SchemaVersion
	var rev int64
	err := r.do(ctx, "read schema", func(ctx context.Context) error {
		err := r.source().QueryRow(ctx, `SELECT revision, text FROM ward_schemas`+r.asOf()+` WHERE revision <= $1 ORDER BY revision DESC LIMIT 1`, r.rev).Scan(&rev, &v.Text)
		if err == pgx.ErrNoRows {
			rev, v.Text = 0, ""
			return nil
		}
		return err
	})
	if err != nil {
		return store.SchemaVersion{}, err
	}
	v.Revision = store.Revision{Major: uint64(rev)}
	if r.q == nil {
		r.s.schemas.learn(r.rev, v)
	}
	return r.found(v)
}

func (r *reader) found(v store.SchemaVersion) (store.SchemaVersion, error) {
	if v.Revision.IsZero() {
		return store.SchemaVersion{}, fault.New(fault.NotFound, "no schema has been written")
	}
	return v, nil
}

// replicaFor returns the pool of a read replica that has replayed rev or, while the primary is
// away, of the quorum node chosen last if it has (see askQuorum); otherwise nil.
func (s *Store) replicaFor(rev int64) *pool {
	if s.headFromQuorum() {
		if c := s.quorumBest.Load(); c != nil && c.head >= rev {
			return c.node.pool
		}
	}
	if n := len(s.replicas); n > 0 {
		start := int(s.nextReplica.Add(1))
		for i := range n {
			if r := s.replicas[(start+i)%n]; r.head.Load() >= rev {
				return r.pool
			}
		}
	}
	return nil
}
