package sql

import (
	"context"
	"crypto/rand"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Transact runs fn in a transaction that takes the next revision, and retries the whole
// transaction after transient failures. When the connection is lost during COMMIT, it asks the
// database whether the commit took effect before deciding to retry, so a write is never applied
// twice and never reported lost when it was not.
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) (store.Revision, error) {
	var rev int64
	transact := s.transactOnce
	if s.cockroach {
		transact = s.transactCockroach
	}
	err := s.retry(ctx, "transaction", func(ctx context.Context) error {
		var err error
		rev, err = transact(ctx, fn)
		return err
	})
	return store.Revision{Major: uint64(rev)}, err
}

func (s *Store) transactOnce(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) (int64, error) {
	var id [16]byte
	rand.Read(id[:])
	conn, err := s.primary.Acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer s.primary.release(conn)
	ptx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer rollback(ctx, ptx) // a no-op after Commit

	var rev int64
	// The row lock taken here is held until COMMIT: writers commit in revision order.
	if err := ptx.QueryRow(ctx, `UPDATE ward_head SET revision = revision + 1 RETURNING revision`).Scan(&rev); err != nil {
		return 0, err
	}
	t := &tx{reader: reader{s: s, rev: rev - 1, q: ptx}, ptx: ptx, rev: rev}
	if err := fn(ctx, t); err != nil {
		return 0, err
	}
	if !t.changed {
		return rev - 1, nil // the deferred rollback releases the revision
	}
	if _, err := ptx.Exec(ctx, `INSERT INTO ward_commits (revision, transaction_id, schema_changed) VALUES ($1, $2, $3)`,
		rev, id, t.schemaChanged); err != nil {
		return 0, err
	}
	// Delivered at COMMIT to every node listening, whose watches then look at once.
	if _, err := ptx.Exec(ctx, `SELECT pg_notify('`+commitChannel+`', '')`); err != nil {
		return 0, err
	}
	err = ptx.Commit(ctx)
	if err == nil {
		s.sawCommitted(rev)
		return rev, nil
	}
	if !transient(err) {
		return 0, err
	}
	committed, err := s.commitOutcome(ctx, rev, id, err)
	if committed {
		s.sawCommitted(rev)
		return rev, nil
	}
	return 0, err // not committed: retry when err is transient
}

// commitOutcome finds out whether the transaction id, whose COMMIT failed with err and so may or
// may not have taken effect, committed revision rev: its commit row says. It returns err when the
// transaction did not commit, and Unavailable when the question cannot be answered.
func (s *Store) commitOutcome(ctx context.Context, rev int64, id [16]byte, err error) (bool, error) {
	var committed bool
	qerr := s.retry(ctx, "commit outcome", func(ctx context.Context) error {
		return s.primary.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ward_commits WHERE revision = $1 AND transaction_id = $2)`,
			rev, id).Scan(&committed)
	})
	if qerr != nil {
		return false, fault.Wrap(fault.Unavailable, errors.Join(err, qerr),
			"the database connection was lost while committing, and whether the write took effect is unknown")
	}
	return committed, err
}

// tx is a store.Tx on one transaction at revision rev. Its reads see the newest committed state,
// as the Store interface asks: rev-1 on PostgreSQL, where revisions are a counter; rev on
// CockroachDB, where another transaction may have committed in the same microsecond.
type tx struct {
	reader
	ptx           pgx.Tx
	rev           int64
	changed       bool
	schemaChanged bool
}

// WriteTuples applies updates in one round trip; the rows its deletes affect are the tuples they
// removed.
func (t *tx) WriteTuples(ctx context.Context, updates []store.Update) (int, error) {
	b := &pgx.Batch{}
	for _, u := range updates {
		tu := u.Tuple
		args := []any{tu.Resource.Type, tu.Resource.ID, tu.Relation, tu.Subject.Type, tu.Subject.ID, tu.Subject.Relation, t.rev}
		switch u.Op {
		case store.Create:
			b.Queue(`INSERT INTO ward_tuples (`+tupleColumns+`, created_rev) VALUES ($1, $2, $3, $4, $5, $6, $7)`, args...)
		case store.Touch:
			b.Queue(`INSERT INTO ward_tuples (`+tupleColumns+`, created_rev) VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (`+tupleColumns+`) WHERE deleted_rev = 9223372036854775807 DO NOTHING`, args...)
		case store.Delete:
			b.Queue(`UPDATE ward_tuples SET deleted_rev = $7 WHERE resource_type = $1 AND resource_id = $2 AND relation = $3
				AND subject_type = $4 AND subject_id = $5 AND subject_relation = $6 AND deleted_rev = 9223372036854775807`, args...)
		default:
			return 0, fault.Invalid("operation", "unknown operation %d", u.Op)
		}
	}
	res := t.ptx.SendBatch(ctx, b)
	deleted := 0
	for i, u := range updates {
		tag, err := res.Exec()
		if err != nil {
			res.Close()
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique violation: a live version exists
				return 0, &fault.Error{Code: fault.AlreadyExists, Field: "updates[" + strconv.Itoa(i) + "]",
					Message: u.Tuple.String() + " already exists"}
			}
			return 0, err
		}
		if n := tag.RowsAffected(); n > 0 {
			t.changed = true
			if u.Op == store.Delete {
				deleted += int(n)
			}
		}
	}
	return deleted, res.Close()
}

// DeleteTuples marks every live tuple that matches f deleted at the transaction's revision.
func (t *tx) DeleteTuples(ctx context.Context, f store.TupleFilter) (int, error) {
	args := sqlArgs{t.rev}
	where := filterConditions(&args, f)
	tag, err := t.ptx.Exec(ctx, `UPDATE ward_tuples SET deleted_rev = $1 WHERE deleted_rev = 9223372036854775807`+where, args...)
	if err != nil {
		return 0, err
	}
	n := int(tag.RowsAffected())
	if n > 0 {
		t.changed = true
	}
	return n, nil
}

// WriteSchema stores text as the schema from the transaction's revision on.
func (t *tx) WriteSchema(ctx context.Context, text string) error {
	if _, err := t.ptx.Exec(ctx, `INSERT INTO ward_schemas (revision, text) VALUES ($1, $2)`, t.rev, text); err != nil {
		return err
	}
	t.changed, t.schemaChanged = true, true
	return nil
}
