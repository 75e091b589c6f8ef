package memory

import (
	"iter"
	"slices"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Load fills an empty store with the state of another store at rev: its tuples, in any order, and
// its schema (nil if it has none). The store's head becomes rev, and no snapshot before it is
// readable. Together with [Store.Apply] it lets the store mirror a database.
func (s *Store) Load(rev store.Revision, tuples iter.Seq2[store.Tuple, error], schema *store.SchemaVersion) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	if s.closed.Load() {
		return errClosed
	}
	if s.head.Load() != 0 || len(s.byResource) != 0 {
		return fault.Bugf("memory store: Load into a store that is not empty")
	}
	if rev.Minor != 0 {
		return fault.Bugf("memory store: revision %v has a minor part", rev)
	}
	chunk := make([]*version, 0, applyChunk)
	flush := func() {
		slices.SortFunc(chunk, tupleOrder)
		grouped := slices.SortedFunc(slices.Values(chunk), subjectOrder)
		s.mu.Lock()
		s.insert(chunk, grouped)
		s.mu.Unlock()
		chunk = chunk[:0]
	}
	for t, err := range tuples {
		if err != nil {
			return err
		}
		chunk = append(chunk, &version{tuple: t, created: rev.Major, deleted: alive})
		if len(chunk) == applyChunk {
			flush()
		}
	}
	flush()
	s.mu.Lock()
	defer s.mu.Unlock()
	if schema != nil {
		s.schemas = append(s.schemas, *schema)
	}
	s.oldest = rev.Major
	s.lastCommit = s.now().UnixNano()
	s.head.Store(rev.Major)
	close(s.changed)
	s.changed = make(chan struct{})
	return nil
}

// Apply commits a change set made by another store at that change set's revision, which must be
// newer than the head. schema is the schema the change set wrote, when cs.SchemaChanged. Unlike
// Transact, it publishes the revision even when nothing changes here, so that the store is known
// to have reached it.
func (s *Store) Apply(cs store.ChangeSet, schema *store.SchemaVersion) error {
	s.writer.Lock()
	defer s.writer.Unlock()
	if s.closed.Load() {
		return errClosed
	}
	head := s.head.Load()
	if cs.Revision.Minor != 0 || cs.Revision.Major <= head {
		return fault.Bugf("memory store: change set at revision %v does not follow the head %d", cs.Revision, head)
	}
	if cs.SchemaChanged != (schema != nil) {
		return fault.Bugf("memory store: change set at revision %v and its schema disagree", cs.Revision)
	}
	t := &tx{snapshot: snapshot{s: s, rev: store.Revision{Major: head}}, pending: make(map[store.Tuple]bool, len(cs.Changes))}
	for _, c := range cs.Changes {
		t.pending[c.Tuple] = c.Op != store.Delete
	}
	if schema != nil {
		t.schema = &schema.Text
	}
	_, err := s.commit(t, cs.Revision.Major, true)
	return err
}
