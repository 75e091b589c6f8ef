package memory

import (
	"context"
	"iter"
	"slices"
	"sort"
	"sync"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// snapshot is the [store.Reader] of one revision.
type snapshot struct {
	s   *Store
	rev store.Revision
}

// A query collects its tuples in steps, each under the read lock: batchSize bounds the tuples of one
// step, and scanBudget the entries a scan visits in one step, so that writers never wait long.
const (
	batchSize  = 256
	scanBudget = 1024
)

// QueryTuples yields the tuples of the snapshot that match f, in [store.Tuple.Compare] order.
func (r *snapshot) QueryTuples(ctx context.Context, f store.TupleFilter, opts store.QueryOptions) iter.Seq2[store.Tuple, error] {
	return func(yield func(store.Tuple, error) bool) {
		q := query{f: f, resourceIDs: sortedSet(f.ResourceIDs), subjectIDs: sortedSet(f.SubjectIDs)}
		buf := buffers.Get().(*[]store.Tuple)
		defer buffers.Put(buf)
		var after *store.Tuple
		if opts.After != nil {
			after = new(*opts.After)
		}
		left := opts.Limit
		for {
			if err := ctx.Err(); err != nil {
				yield(store.Tuple{}, err)
				return
			}
			n := batchSize
			if opts.Limit > 0 {
				n = min(n, left)
			}
			batch, next, more, err := r.s.collect(q, r.rev, after, n, (*buf)[:0])
			if err != nil {
				yield(store.Tuple{}, err)
				return
			}
			for _, t := range batch {
				if !yield(t, nil) {
					return
				}
			}
			if left -= len(batch); !more || opts.Limit > 0 && left == 0 {
				return
			}
			if after == nil {
				after = new(store.Tuple)
			}
			*after = next
		}
	}
}

// buffers holds the buffers that queries collect into.
var buffers = sync.Pool{New: func() any {
	b := make([]store.Tuple, 0, batchSize)
	return &b
}}

// ReadSchema returns the newest schema written at or before the snapshot's revision.
func (r *snapshot) ReadSchema(context.Context) (store.SchemaVersion, error) {
	s := r.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	rev, err := s.readable(r.rev)
	if err != nil {
		return store.SchemaVersion{}, err
	}
	i := sort.Search(len(s.schemas), func(i int) bool { return s.schemas[i].Revision.Major > rev })
	if i == 0 {
		return store.SchemaVersion{}, fault.New(fault.NotFound, "no schema had been written at revision %v", r.rev)
	}
	return s.schemas[i-1], nil
}

// query is a filter prepared for collecting.
type query struct {
	f                       store.TupleFilter
	resourceIDs, subjectIDs []string // the filter's, sorted and without duplicates
}

func sortedSet(ids []string) []string {
	if len(ids) < 2 {
		return ids
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (q *query) hasResourceID(id string) bool {
	return len(q.resourceIDs) == 0 || has(q.resourceIDs, id)
}

func (q *query) hasSubjectID(id string) bool { return len(q.subjectIDs) == 0 || has(q.subjectIDs, id) }

func has(sorted []string, s string) bool {
	_, ok := slices.BinarySearch(sorted, s)
	return ok
}

// collect appends to out, in order, at most max tuples visible at rev that match q and come after
// after, and returns it with where the next step resumes, if more may follow.
func (s *Store) collect(q query, at store.Revision, after *store.Tuple, max int, out []store.Tuple) (_ []store.Tuple, next store.Tuple, more bool, _ error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rev, err := s.readable(at)
	if err != nil {
		return nil, store.Tuple{}, false, err
	}
	c := collector{q: q, rev: rev, max: max, out: out}
	if after != nil {
		c.after, c.hasAfter = *after, true
	}
	switch f := &q.f; {
	case f.ResourceType != "" && len(q.resourceIDs) > 0:
		c.byIDs(s)
	case f.SubjectType != "" && len(q.subjectIDs) > 0:
		c.bySubjects(s)
	default:
		c.scan(s)
	}
	if c.full() {
		c.next, c.more = c.out[len(c.out)-1], true
	}
	return c.out, c.next, c.more, nil
}

// collector is one step of a query. It holds copies rather than pointers, which would make the
// caller's variables escape to the heap.
type collector struct {
	q        query
	rev      uint64
	after    store.Tuple // when hasAfter, collect only tuples after this one
	hasAfter bool
	max      int
	out      []store.Tuple
	next     store.Tuple // when more, where the next step resumes
	more     bool
}

func (c *collector) full() bool { return len(c.out) >= c.max }

// byIDs reads the entries of the filter's resource type and IDs.
func (c *collector) byIDs(s *Store) {
	f := &c.q.f
	for _, id := range c.q.resourceIDs {
		if f.Relation != "" {
			if e := s.byResource[resourceKey{f.ResourceType, id, f.Relation}]; e != nil {
				c.entry(e)
			}
		} else {
			for e := range s.entries.from(resourceKey{typ: f.ResourceType, id: id}) {
				if e.key.typ != f.ResourceType || e.key.id != id || c.full() {
					break
				}
				c.entry(e)
			}
		}
		if c.full() {
			return
		}
	}
}

// scan reads the entries in order, starting at the filter's resource type, for at most scanBudget
// entries.
func (c *collector) scan(s *Store) {
	f := &c.q.f
	start := resourceKey{typ: f.ResourceType}
	if c.hasAfter && resourceKeyOf(c.after).compare(start) > 0 {
		start = resourceKeyOf(c.after)
	}
	visited := 0
	for e := range s.entries.from(start) {
		if f.ResourceType != "" && e.key.typ != f.ResourceType {
			return
		}
		if (f.Relation == "" || e.key.rel == f.Relation) && c.q.hasResourceID(e.key.id) {
			if c.entry(e); c.full() {
				return
			}
		}
		if visited++; visited == scanBudget {
			// Resume after the whole entry, and never before where this step started.
			c.next, c.more = e.vs[len(e.vs)-1].tuple, true
			if c.hasAfter && compareTuples(c.next, c.after) < 0 {
				c.next = c.after
			}
			return
		}
	}
}

// entry collects the versions of e that match.
func (c *collector) entry(e *entry) {
	var from *store.Subject // when set, collect only subjects after it
	if c.hasAfter {
		switch e.key.compare(resourceKeyOf(c.after)) {
		case -1:
			return
		case 0:
			from = &c.after.Subject
		}
	}
	f := &c.q.f
	if f.SubjectType == "" || len(c.q.subjectIDs) == 0 {
		c.versions(e.vs, store.Subject{Type: f.SubjectType}, from, false)
		return
	}
	for _, id := range c.q.subjectIDs {
		lo := store.Subject{Type: f.SubjectType, ID: id}
		if f.SubjectRelation != nil {
			lo.Relation = *f.SubjectRelation
		}
		if c.versions(e.vs, lo, from, true); c.full() {
			return
		}
	}
}

// versions collects the matching versions of vs, which is ordered by entryOrder, from the first whose
// subject is at least lo and after from, while the subject has lo's type (when set) and ID (when
// sameID).
func (c *collector) versions(vs []*version, lo store.Subject, from *store.Subject, sameID bool) {
	var i int
	if from != nil && compareSubjects(*from, lo) >= 0 {
		i = sort.Search(len(vs), func(i int) bool { return compareSubjects(vs[i].tuple.Subject, *from) > 0 })
	} else {
		i = sort.Search(len(vs), func(i int) bool { return compareSubjects(vs[i].tuple.Subject, lo) >= 0 })
	}
	rel := c.q.f.SubjectRelation
	for _, v := range vs[i:] {
		sub := &v.tuple.Subject
		if lo.Type != "" && sub.Type != lo.Type || sameID && sub.ID != lo.ID {
			return
		}
		if v.visibleAt(c.rev) && (rel == nil || sub.Relation == *rel) && (sameID || c.q.hasSubjectID(sub.ID)) {
			if c.out = append(c.out, v.tuple); c.full() {
				return
			}
		}
	}
}

// bySubjects reads the subject lists of the filter's subject type and IDs.
func (c *collector) bySubjects(s *Store) {
	f := &c.q.f
	for _, id := range c.q.subjectIDs {
		vs := s.bySubject[subjectKey{f.SubjectType, id}]
		i := 0
		if f.ResourceType != "" {
			i = sort.Search(len(vs), func(i int) bool { return vs[i].tuple.Resource.Type >= f.ResourceType })
		}
		if c.hasAfter {
			i = max(i, sort.Search(len(vs), func(i int) bool { return compareTuples(vs[i].tuple, c.after) > 0 }))
		}
		n := 0
		for _, v := range vs[i:] {
			t := &v.tuple
			if f.ResourceType != "" && t.Resource.Type != f.ResourceType {
				break
			}
			if v.visibleAt(c.rev) && c.q.hasResourceID(t.Resource.ID) &&
				(f.Relation == "" || t.Relation == f.Relation) &&
				(f.SubjectRelation == nil || t.Subject.Relation == *f.SubjectRelation) {
				c.out = append(c.out, *t)
				if n++; n == c.max {
					break
				}
			}
		}
	}
	if len(c.q.subjectIDs) > 1 {
		// Each list gave its first max; the first max of their union are all there.
		slices.SortFunc(c.out, compareTuples)
		c.out = c.out[:min(len(c.out), c.max)]
	}
}
