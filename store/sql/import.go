package sql

import (
	"context"
	"iter"

	"github.com/jackc/pgx/v5"

	"github.com/wardhq/ward/store"
)

// importChunk is how many tuples one import transaction writes: big enough for COPY to pay off,
// small enough that concurrent writers, who wait for the revision lock, are not held up for long.
const importChunk = 500_000

// Import writes tuples through COPY, importChunk at a time, each chunk one transaction and one
// revision: the way to load millions of tuples. Tuples that exist are left as they are, as with a
// touch. It returns the revision of the last chunk and how many tuples were new.
func (s *Store) Import(ctx context.Context, tuples iter.Seq2[store.Tuple, error]) (store.Revision, int64, error) {
	next, stop := iter.Pull2(tuples)
	defer stop()
	var (
		last    store.Revision
		written int64
		done    bool
		srcErr  error
	)
	for !done {
		// A chunk is read once, so that a retry of its transaction writes the same tuples.
		chunk := make([][]any, 0, min(importChunk, 1<<16))
		for len(chunk) < importChunk {
			t, err, ok := next()
			if !ok {
				done = true
				break
			}
			if err != nil {
				srcErr = err
				done = true
				break
			}
			chunk = append(chunk, []any{t.Resource.Type, t.Resource.ID, t.Relation, t.Subject.Type, t.Subject.ID, t.Subject.Relation})
		}
		if srcErr != nil {
			return last, written, srcErr
		}
		if len(chunk) == 0 {
			break
		}
		rev, n, err := s.importChunk(ctx, chunk)
		if err != nil {
			return last, written, err
		}
		last = rev
		written += n
	}
	if last.IsZero() {
		head, err := s.HeadRevision(ctx)
		return head, 0, err
	}
	return last, written, nil
}

func (s *Store) importChunk(ctx context.Context, rows [][]any) (store.Revision, int64, error) {
	if s.cockroach {
		return s.importChunkCockroach(ctx, rows)
	}
	var n int64
	rev, err := s.Transact(ctx, func(ctx context.Context, stx store.Tx) error {
		t := stx.(*tx)
		if _, err := t.ptx.Exec(ctx, `CREATE TEMP TABLE ward_import (
			resource_type TEXT COLLATE "C", resource_id TEXT COLLATE "C", relation TEXT COLLATE "C",
			subject_type TEXT COLLATE "C", subject_id TEXT COLLATE "C", subject_relation TEXT COLLATE "C") ON COMMIT DROP`); err != nil {
			return err
		}
		if _, err := t.ptx.CopyFrom(ctx, pgx.Identifier{"ward_import"},
			[]string{"resource_type", "resource_id", "relation", "subject_type", "subject_id", "subject_relation"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		tag, err := t.ptx.Exec(ctx, `INSERT INTO ward_tuples (`+tupleColumns+`, created_rev)
			SELECT `+tupleColumns+`, $1::bigint FROM ward_import
			ON CONFLICT (`+tupleColumns+`) WHERE deleted_rev = 9223372036854775807 DO NOTHING`, t.rev)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		t.changed = n > 0
		return nil
	})
	return rev, n, err
}

// cockroachImportBatch is how many tuples one CockroachDB import transaction writes: CockroachDB
// keeps a transaction's writes as intents until it commits, and large transactions slow down past
// a few megabytes of them.
const cockroachImportBatch = 10_000

// importChunkCockroach writes rows in transactions of cockroachImportBatch tuples, each one INSERT
// of arrays in SQL that PostgreSQL runs too (CockroachDB's COPY runs outside transactions and cannot
// skip existing tuples).
func (s *Store) importChunkCockroach(ctx context.Context, rows [][]any) (store.Revision, int64, error) {
	var last store.Revision
	var written int64
	for len(rows) > 0 {
		batch := rows[:min(len(rows), cockroachImportBatch)]
		rows = rows[len(batch):]
		var cols [6][]string
		for i := range cols {
			cols[i] = make([]string, len(batch))
		}
		for j, r := range batch {
			for i := range cols {
				cols[i][j] = r[i].(string)
			}
		}
		var n int64
		rev, err := s.Transact(ctx, func(ctx context.Context, stx store.Tx) error {
			t := stx.(*tx)
			tag, err := t.ptx.Exec(ctx, `INSERT INTO ward_tuples (`+tupleColumns+`, created_rev)
				SELECT *, $7::BIGINT FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[])
				ON CONFLICT (`+tupleColumns+`) WHERE deleted_rev = 9223372036854775807 DO NOTHING`,
				cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], t.rev)
			if err != nil {
				return err
			}
			n = tag.RowsAffected()
			t.changed = n > 0
			return nil
		})
		if err != nil {
			return last, written, err
		}
		last, written = rev, written+n
	}
	return last, written, nil
}
