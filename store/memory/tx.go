package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Transact runs fn with the store's only write transaction; other calls wait for it. fn reads the head
// the transaction started at, without its own pending writes, and must not call Transact itself. When
// fn returns nil and ctx has not ended, the effective changes commit at the next revision; a
// transaction without any returns the head it ran at.
func (s *Store) Transact(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) (store.Revision, error) {
	s.writer.Lock()
	defer s.writer.Unlock()
	if s.closed.Load() {
		return store.Revision{}, errClosed
	}
	if err := ctx.Err(); err != nil {
		return store.Revision{}, err
	}
	t := &tx{
		snapshot: snapshot{s: s, rev: store.Revision{Major: s.head.Load()}},
		pending:  make(map[store.Tuple]bool),
	}
	err := fn(ctx, t)
	t.done = true
	if err != nil {
		return store.Revision{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Revision{}, err
	}
	return s.commit(t, s.head.Load()+1, false)
}

// tx is the [store.Tx] of one Transact call. It is not safe for concurrent use.
type tx struct {
	snapshot                      // the head when the transaction started
	pending  map[store.Tuple]bool // whether each tuple written exists after the commit
	schema   *string
	done     bool
}

func (t *tx) usable(ctx context.Context) error {
	if t.done {
		return fault.Bugf("memory store: transaction used after its function returned")
	}
	return ctx.Err()
}

// exists reports whether tup exists after the writes so far.
func (t *tx) exists(tup store.Tuple) bool {
	if present, ok := t.pending[tup]; ok {
		return present
	}
	return t.s.alive(tup) != nil
}

// WriteTuples buffers updates and counts the tuples its deletes remove. When it fails, none of
// them is buffered.
func (t *tx) WriteTuples(ctx context.Context, updates []store.Update) (int, error) {
	if err := t.usable(ctx); err != nil {
		return 0, err
	}
	staged := make(map[store.Tuple]bool, len(updates))
	present := func(tup store.Tuple) bool {
		if p, ok := staged[tup]; ok {
			return p
		}
		return t.exists(tup)
	}
	deleted := 0
	for i, u := range updates {
		if err := u.Tuple.Validate(); err != nil {
			return 0, fault.InField(fmt.Sprintf("updates[%d].tuple", i), err)
		}
		switch u.Op {
		case store.Create:
			if present(u.Tuple) {
				err := fault.New(fault.AlreadyExists, "tuple %s already exists", u.Tuple)
				err.Field = fmt.Sprintf("updates[%d]", i)
				return 0, err
			}
			staged[u.Tuple] = true
		case store.Touch:
			staged[u.Tuple] = true
		case store.Delete:
			if present(u.Tuple) {
				deleted++
			}
			staged[u.Tuple] = false
		default:
			return 0, fault.Invalid(fmt.Sprintf("updates[%d].op", i), "unknown operation %d", u.Op)
		}
	}
	maps.Copy(t.pending, staged)
	return deleted, nil
}

// DeleteTuples buffers the deletion of every tuple that matches f, counting those that exist after the
// writes so far.
func (t *tx) DeleteTuples(ctx context.Context, f store.TupleFilter) (int, error) {
	if err := t.usable(ctx); err != nil {
		return 0, err
	}
	staged := make(map[store.Tuple]bool)
	for tup, err := range t.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return 0, err
		}
		if present, ok := t.pending[tup]; !ok || present {
			staged[tup] = false
		}
	}
	for tup, present := range t.pending {
		if present && f.Matches(tup) {
			staged[tup] = false
		}
	}
	maps.Copy(t.pending, staged)
	return len(staged), nil
}

// WriteSchema buffers the schema text.
func (t *tx) WriteSchema(ctx context.Context, text string) error {
	if err := t.usable(ctx); err != nil {
		return err
	}
	t.schema = &text
	return nil
}

// alive returns the version of tup visible at the head, or nil. Only the writer calls it, so it needs
// no lock.
func (s *Store) alive(tup store.Tuple) *version {
	e := s.byResource[resourceKeyOf(tup)]
	if e == nil {
		return nil
	}
	// The versions of tup are adjacent, oldest first; only the newest can be alive.
	i := sort.Search(len(e.vs), func(i int) bool { return compareSubjects(e.vs[i].tuple.Subject, tup.Subject) > 0 })
	if i > 0 && e.vs[i-1].tuple.Subject == tup.Subject && e.vs[i-1].deleted == alive {
		return e.vs[i-1]
	}
	return nil
}

// applyChunk bounds the updates applied under one hold of the write lock. Readers see none of them
// before the commit's revision is published.
const applyChunk = 1024

// commit applies the effective changes of t at revision rev, newer than the head, and publishes it.
// Without effective changes it returns the head, unless publish asks for rev to be published anyway.
func (s *Store) commit(t *tx, rev uint64, publish bool) (store.Revision, error) {
	head := s.head.Load()
	var added, removed []*version
	for tup, present := range t.pending {
		switch v := s.alive(tup); {
		case present && v == nil:
			added = append(added, &version{tuple: tup, created: rev, deleted: alive})
		case !present && v != nil:
			removed = append(removed, v)
		}
	}
	if len(added) == 0 && len(removed) == 0 && t.schema == nil && !publish {
		return store.Revision{Major: head}, nil
	}

	changes := make([]store.Change, 0, len(added)+len(removed))
	for _, v := range added {
		changes = append(changes, store.Change{Op: store.Touch, Tuple: v.tuple})
	}
	for _, v := range removed {
		changes = append(changes, store.Change{Op: store.Delete, Tuple: v.tuple})
	}
	slices.SortFunc(changes, func(a, b store.Change) int { return compareTuples(a.Tuple, b.Tuple) })
	slices.SortFunc(added, tupleOrder)
	grouped := slices.SortedFunc(slices.Values(added), subjectOrder)

	for i := 0; i < len(added); i += applyChunk {
		j := min(i+applyChunk, len(added))
		s.mu.Lock()
		s.insert(added[i:j], grouped[i:j])
		s.mu.Unlock()
	}
	for i := 0; i < len(removed); i += applyChunk {
		s.mu.Lock()
		for _, v := range removed[i:min(i+applyChunk, len(removed))] {
			v.deleted = rev
			s.garbage = append(s.garbage, v)
		}
		s.mu.Unlock()
	}

	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return store.Revision{}, errClosed
	}
	at := max(s.now().UnixNano(), s.lastCommit)
	s.lastCommit = at
	cs := store.ChangeSet{Revision: store.Revision{Major: rev}, Changes: changes, SchemaChanged: t.schema != nil}
	s.log = append(s.log, logEntry{at: at, changes: cs})
	if t.schema != nil {
		s.schemas = append(s.schemas, store.SchemaVersion{Text: *t.schema, Revision: cs.Revision})
	}
	s.head.Store(rev)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()

	s.collectGarbage(at, gcChunk+2*len(removed))
	return cs.Revision, nil
}

// insert adds new versions to the indexes: tuples holds them in [tupleOrder] order and subjects the
// same ones in [subjectOrder] order. The caller holds s.mu.
func (s *Store) insert(tuples, subjects []*version) {
	for i := 0; i < len(tuples); {
		k := resourceKeyOf(tuples[i].tuple)
		j := i + 1
		for j < len(tuples) && resourceKeyOf(tuples[j].tuple) == k {
			j++
		}
		e := s.byResource[k]
		if e == nil {
			e = &entry{key: k}
			s.byResource[k] = e
			s.entries.insert(e)
		}
		e.vs = merge(e.vs, tuples[i:j], entryOrder)
		i = j
	}
	for i := 0; i < len(subjects); {
		k := subjectKeyOf(subjects[i].tuple)
		j := i + 1
		for j < len(subjects) && subjectKeyOf(subjects[j].tuple) == k {
			j++
		}
		s.bySubject[k] = merge(s.bySubject[k], subjects[i:j], tupleOrder)
		i = j
	}
}

// gcChunk bounds the deleted versions collected under one hold of the write lock.
const gcChunk = 1024

// collectGarbage moves the oldest readable revision up to the newest one superseded less than the
// retention before now, drops the log and schemas older than it, and unlinks up to budget of the
// versions no readable revision sees.
func (s *Store) collectGarbage(now int64, budget int) {
	s.mu.Lock()
	n := sort.Search(len(s.log), func(i int) bool { return s.log[i].at >= now-int64(s.retention) })
	if n > 0 {
		s.oldest = s.log[n-1].changes.Revision.Major
		clear(s.log[:n])
		s.log = s.log[n:]
	}
	for len(s.schemas) > 1 && s.schemas[1].Revision.Major <= s.oldest {
		s.schemas = s.schemas[1:]
	}
	s.mu.Unlock()

	for budget > 0 {
		s.mu.Lock()
		n := 0
		for n < min(gcChunk, budget, len(s.garbage)) && s.garbage[n].deleted <= s.oldest {
			n++
		}
		if n == 0 {
			s.mu.Unlock()
			return
		}
		s.unlink(s.garbage[:n])
		clear(s.garbage[:n])
		s.garbage = s.garbage[n:]
		s.mu.Unlock()
		if n < gcChunk {
			return
		}
		budget -= n
	}
}

// unlink removes from the indexes every version that the keys of garbage hold and no readable revision
// sees. The caller holds s.mu.
func (s *Store) unlink(garbage []*version) {
	dead := func(v *version) bool { return v.deleted <= s.oldest }
	resources := make(map[resourceKey]bool)
	subjects := make(map[subjectKey]bool)
	for _, v := range garbage {
		if k := resourceKeyOf(v.tuple); !resources[k] {
			resources[k] = true
			if e := s.byResource[k]; e != nil {
				if e.vs = slices.DeleteFunc(e.vs, dead); len(e.vs) == 0 {
					delete(s.byResource, k)
					s.entries.remove(k)
				}
			}
		}
		if k := subjectKeyOf(v.tuple); !subjects[k] {
			subjects[k] = true
			if vs := slices.DeleteFunc(s.bySubject[k], dead); len(vs) > 0 {
				s.bySubject[k] = vs
			} else {
				delete(s.bySubject, k)
			}
		}
	}
}
