package memory

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/wardhq/ward/store"
)

// version is one stored version of a tuple. It is visible to the snapshots at revisions in
// [created, deleted). Only the writer changes deleted, and only while it holds Store.mu.
type version struct {
	tuple   store.Tuple
	created uint64
	deleted uint64 // alive until a commit deletes the tuple
}

// alive is the deleted revision of a version no commit has deleted.
const alive = math.MaxUint64

func (v *version) visibleAt(rev uint64) bool { return v.created <= rev && rev < v.deleted }

// resourceKey names the tuples of one relation of one object: what the check engine asks for.
type resourceKey struct{ typ, id, rel string }

func resourceKeyOf(t store.Tuple) resourceKey {
	return resourceKey{t.Resource.Type, t.Resource.ID, t.Relation}
}

func (k resourceKey) compare(o resourceKey) int {
	if c := strings.Compare(k.typ, o.typ); c != 0 {
		return c
	}
	if c := strings.Compare(k.id, o.id); c != 0 {
		return c
	}
	return strings.Compare(k.rel, o.rel)
}

// subjectKey names the tuples of one subject object, whatever their subject relation: what reverse
// lookups ask for.
type subjectKey struct{ typ, id string }

func subjectKeyOf(t store.Tuple) subjectKey { return subjectKey{t.Subject.Type, t.Subject.ID} }

func (k subjectKey) compare(o subjectKey) int {
	if c := strings.Compare(k.typ, o.typ); c != 0 {
		return c
	}
	return strings.Compare(k.id, o.id)
}

// entry holds the versions of the tuples of one resource key, ordered by [entryOrder].
type entry struct {
	key resourceKey
	vs  []*version
}

func compareSubjects(a, b store.Subject) int {
	if c := strings.Compare(a.Type, b.Type); c != 0 {
		return c
	}
	if c := strings.Compare(a.ID, b.ID); c != 0 {
		return c
	}
	return strings.Compare(a.Relation, b.Relation)
}

// compareTuples is [store.Tuple.Compare] without the array it builds.
func compareTuples(a, b store.Tuple) int {
	if c := resourceKeyOf(a).compare(resourceKeyOf(b)); c != 0 {
		return c
	}
	return compareSubjects(a.Subject, b.Subject)
}

// entryOrder orders the versions of one entry: by subject, then oldest first.
func entryOrder(a, b *version) int {
	if c := compareSubjects(a.tuple.Subject, b.tuple.Subject); c != 0 {
		return c
	}
	return cmp.Compare(a.created, b.created)
}

// tupleOrder orders the versions of one subject's list: by tuple, then oldest first.
func tupleOrder(a, b *version) int {
	if c := compareTuples(a.tuple, b.tuple); c != 0 {
		return c
	}
	return cmp.Compare(a.created, b.created)
}

// subjectOrder groups versions by subject key, each group ordered by [tupleOrder].
func subjectOrder(a, b *version) int {
	if c := subjectKeyOf(a.tuple).compare(subjectKeyOf(b.tuple)); c != 0 {
		return c
	}
	return tupleOrder(a, b)
}

// merge adds add to dst, both ordered by cmp, and returns the result. dst may be modified; add is not.
func merge(dst, add []*version, cmp func(a, b *version) int) []*version {
	switch {
	case len(add) == 0:
		return dst
	case len(dst) == 0 || cmp(dst[len(dst)-1], add[0]) < 0:
		return append(dst, add...)
	case len(add) == 1:
		i, _ := slices.BinarySearchFunc(dst, add[0], cmp)
		return slices.Insert(dst, i, add[0])
	}
	out := make([]*version, 0, len(dst)+len(add))
	for len(dst) > 0 && len(add) > 0 {
		if cmp(dst[0], add[0]) < 0 {
			out, dst = append(out, dst[0]), dst[1:]
		} else {
			out, add = append(out, add[0]), add[1:]
		}
	}
	return append(append(out, dst...), add...)
}

// entryList is the set of entries ordered by key, for queries that scan. It is kept in chunks of at most
// maxChunk entries, so that adding a key to a large store moves one chunk rather than the whole list.
type entryList struct {
	chunks [][]*entry // none empty
}

const maxChunk = 512

// search returns the position of the first entry whose key is not less than k.
func (l *entryList) search(k resourceKey) (c, i int) {
	c = sort.Search(len(l.chunks), func(c int) bool {
		ch := l.chunks[c]
		return ch[len(ch)-1].key.compare(k) >= 0
	})
	if c < len(l.chunks) {
		ch := l.chunks[c]
		i = sort.Search(len(ch), func(i int) bool { return ch[i].key.compare(k) >= 0 })
	}
	return c, i
}

// insert adds e, whose key must not be in l.
func (l *entryList) insert(e *entry) {
	c, i := l.search(e.key)
	if c == len(l.chunks) {
		if c == 0 {
			l.chunks = [][]*entry{{e}}
			return
		}
		c, i = c-1, len(l.chunks[c-1])
	}
	ch := slices.Insert(l.chunks[c], i, e)
	if len(ch) > maxChunk {
		half := len(ch) / 2
		l.chunks = slices.Insert(l.chunks, c+1, slices.Clone(ch[half:]))
		clear(ch[half:])
		ch = ch[:half]
	}
	l.chunks[c] = ch
}

// remove deletes the entry with key k, if any.
func (l *entryList) remove(k resourceKey) {
	c, i := l.search(k)
	if c == len(l.chunks) || l.chunks[c][i].key != k {
		return
	}
	if ch := slices.Delete(l.chunks[c], i, i+1); len(ch) > 0 {
		l.chunks[c] = ch
	} else {
		l.chunks = slices.Delete(l.chunks, c, c+1)
	}
}

// from yields the entries whose key is not less than k, in order.
func (l *entryList) from(k resourceKey) iter.Seq[*entry] {
	return func(yield func(*entry) bool) {
		c, i := l.search(k)
		for ; c < len(l.chunks); c, i = c+1, 0 {
			for _, e := range l.chunks[c][i:] {
				if !yield(e) {
					return
				}
			}
		}
	}
}
