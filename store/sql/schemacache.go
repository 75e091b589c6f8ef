package sql

import (
	"sync"

	"github.com/wardhq/ward/store"
)

// schemaCache remembers which schema was in force at which revision, so that reads of the schema —
// one per request — rarely reach the database. Schema versions never change once written, so an
// answer learnt for revision R holds for every revision from the version's own up to R.
type schemaCache struct {
	mu sync.RWMutex
	// spans of revisions [from, through] over which one version was in force.
	spans []schemaSpan
}

type schemaSpan struct {
	from, through int64
	version       store.SchemaVersion
}

func (c *schemaCache) at(rev int64) (store.SchemaVersion, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for i := len(c.spans) - 1; i >= 0; i-- {
		if sp := c.spans[i]; sp.from <= rev && rev <= sp.through {
			return sp.version, true
		}
	}
	return store.SchemaVersion{}, false
}

// learn records that v was in force at rev.
func (c *schemaCache) learn(rev int64, v store.SchemaVersion) {
	c.mu.Lock()
	defer c.mu.Unlock()
	from := int64(v.Revision.Major)
	for i := range c.spans {
		if c.spans[i].from == from {
			c.spans[i].through = max(c.spans[i].through, rev)
			return
		}
	}
	if len(c.spans) >= 16 {
		c.spans = c.spans[1:]
	}
	c.spans = append(c.spans, schemaSpan{from: from, through: rev, version: v})
}
