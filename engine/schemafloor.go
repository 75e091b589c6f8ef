package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// schemaFloor is the revision of the newest schema write this engine knows of: its own writes,
// the schema versions it has read, and those FollowSchemas sees committed by other nodes. A
// MinimizeLatency read never picks a snapshot older than it, so that a type or relation a
// schema write added is not refused for seconds after the write was acknowledged — the snapshot
// of a write's token still has to be asked for to see the tuples of a later write.
type schemaFloor struct {
	rev atomic.Pointer[store.Revision]
}

// raise makes the floor rev, unless it is already as new.
func (f *schemaFloor) raise(rev store.Revision) {
	for {
		cur := f.rev.Load()
		if cur != nil && !cur.Less(rev) {
			return
		}
		if f.rev.CompareAndSwap(cur, &rev) {
			return
		}
	}
}

// get returns the floor; the zero revision when no schema write is known.
func (f *schemaFloor) get() store.Revision {
	if p := f.rev.Load(); p != nil {
		return *p
	}
	return store.Revision{}
}

// forget drops the floor: the history it named was discarded (see [Engine.ForgetCaches]).
func (f *schemaFloor) forget() { f.rev.Store(nil) }

// optimizedRevision is the store's optimized revision, raised to the schema floor.
func (e *Engine) optimizedRevision(ctx context.Context) (store.Revision, error) {
	rev, err := e.store.OptimizedRevision(ctx, e.cfg.maxStaleness)
	if err != nil {
		return store.Revision{}, err
	}
	if floor := e.schemaFloor.get(); rev.Less(floor) {
		return floor, nil
	}
	return rev, nil
}

// FollowSchemas watches the store for schema writes, made through any node, until ctx ends, so
// that this engine's MinimizeLatency reads never answer from a snapshot older than the newest
// schema write it could know of. A server runs it for its lifetime; without it the engine knows
// only of the schema writes it made or read itself. A watch that fails starts again from the
// newest commit after retry.
func (e *Engine) FollowSchemas(ctx context.Context, retry time.Duration) {
	for ctx.Err() == nil {
		head, err := e.store.HeadRevision(ctx)
		if err == nil {
			// The schema in force at the head is known now, in case its write came before the watch.
			if v, rerr := e.store.Snapshot(head).ReadSchema(ctx); rerr == nil {
				e.schemaFloor.raise(v.Revision)
			}
			for cs, werr := range e.store.Watch(ctx, head) {
				if werr != nil {
					break
				}
				if cs.SchemaChanged {
					e.schemaFloor.raise(cs.Revision)
				}
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(retry):
		}
	}
}

// explainStale turns a refusal of a request that names a type, relation or permission that the
// snapshot's schema lacks into one that says what to do when the newest schema has it: the name
// was added by a schema write after the snapshot. validate repeats the refused validation against
// another schema. Other errors are returned as they are.
func (e *Engine) explainStale(ctx context.Context, snap *snapshot, err error, validate func(*schema.Schema) error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Code != fault.InvalidArgument {
		return err
	}
	head, herr := e.store.HeadRevision(ctx)
	if herr != nil || !snap.rev.Less(head) {
		return err
	}
	newest, herr := e.schemaOf(ctx, e.store.Snapshot(head))
	if herr != nil || newest == snap.schema || validate(newest) != nil {
		return err
	}
	c := *fe
	c.Message += ": it is not in the schema of the snapshot read; it was added later — pass the write's token (at_least_as_fresh) or ask for fully_consistent"
	return &c
}
