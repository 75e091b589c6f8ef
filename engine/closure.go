package engine

import (
	"context"
	"slices"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Nested groups are where checks spend their time: a check of group:g#member descends every group
// nested in g, and a document usually names several groups. For a relation that nests only into
// itself — `relation member: user | user:* | group#member` — ward instead walks upwards from the
// subject, once per snapshot, to the set of groups that contain it (Zanzibar's Leopard index, built
// on demand from the tuples of the snapshot), and answers each group#member sub-problem by looking
// in that set. Walking upwards is cheap because a subject is in few groups while a group holds many
// members.

// selfNesting reports whether rel, of type typ, holds no subject sets but its own
// (typ#rel.Name): its membership is then a closure over one relation.
func selfNesting(typ string, rel *schema.Relation) bool {
	nests := false
	for _, a := range rel.Allowed {
		if a.Relation == "" {
			continue
		}
		if a.Type != typ || a.Relation != rel.Name {
			return false
		}
		nests = true
	}
	return nests
}

// membership is the set of objects of one type whose self-nesting relation contains a subject,
// each with the number of nesting steps between them (0: a tuple names the subject directly).
type membership struct {
	levels map[string]int32
	// truncated is set when the walk stopped at the depth limit with groups left to visit.
	truncated bool
}

type membershipKey struct {
	rev      store.Revision
	typ, rel string
	subject  store.Subject
}

// memberships caches membership sets by snapshot; a nil cache caches nothing.
type memberships struct {
	cache *lru.Cache[membershipKey, *membership]
}

func newMemberships(size int) *memberships {
	if size <= 0 {
		return &memberships{}
	}
	c, _ := lru.New[membershipKey, *membership](size)
	return &memberships{cache: c}
}

// of returns the membership of subject in typ#rel at snap, walking at most maxDepth steps.
func (m *memberships) of(ctx context.Context, snap *snapshot, typ, rel string, subject store.Subject, maxDepth int) (*membership, error) {
	k := membershipKey{rev: snap.rev, typ: typ, rel: rel, subject: subject}
	if m.cache != nil {
		if ms, ok := m.cache.Get(k); ok {
			return ms, nil
		}
	}
	ms := &membership{levels: make(map[string]int32)}
	var frontier []string
	if subject.Type == typ && subject.Relation == rel {
		ms.levels[subject.ID] = 0 // a subject set contains itself
		frontier = append(frontier, subject.ID)
	}
	ids := []string{subject.ID}
	if subject.Relation == "" && subject.ID != store.Wildcard {
		ids = append(ids, store.Wildcard)
	}
	direct := store.TupleFilter{ResourceType: typ, Relation: rel, SubjectType: subject.Type, SubjectIDs: ids, SubjectRelation: &subject.Relation}
	found, err := containers(ctx, snap.reader, direct)
	if err != nil {
		return nil, err
	}
	for _, id := range found {
		if _, seen := ms.levels[id]; !seen {
			ms.levels[id] = 0
			frontier = append(frontier, id)
		}
	}
	for level := int32(1); len(frontier) > 0; level++ {
		if int(level) > maxDepth {
			ms.truncated = true
			break
		}
		var next []string
		for chunk := range slices.Chunk(frontier, 1000) {
			f := store.TupleFilter{ResourceType: typ, Relation: rel, SubjectType: typ, SubjectIDs: chunk, SubjectRelation: &rel}
			found, err := containers(ctx, snap.reader, f)
			if err != nil {
				return nil, err
			}
			for _, id := range found {
				if _, seen := ms.levels[id]; !seen {
					ms.levels[id] = level
					next = append(next, id)
				}
			}
		}
		frontier = next
	}
	if m.cache != nil {
		m.cache.Add(k, ms)
	}
	return ms, nil
}

// containers returns the resource IDs of the tuples that match f.
func containers(ctx context.Context, r store.Reader, f store.TupleFilter) ([]string, error) {
	var ids []string
	for t, err := range r.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return nil, err
		}
		ids = append(ids, t.Resource.ID)
	}
	return ids, nil
}

// checkMembership answers req, whose relation nests only into itself, from the subject's
// membership set. A member reached in more steps than the depth left is undecided, as the
// downward walk would have found it.
func (ev *evaluator) checkMembership(ctx context.Context, req *checkRequest) (checkResult, error) {
	ms, err := ev.memberships.of(ctx, req.snap, req.resource.Type, req.relation, req.subject, req.maxDepth)
	if err != nil {
		return checkResult{}, err
	}
	level, ok := ms.levels[req.resource.ID]
	switch {
	case ok && int(req.path.depth)+int(level) <= req.maxDepth:
		return exactTrue, nil
	case ok, ms.truncated:
		return checkResult{}, fault.New(fault.ResourceExhausted,
			"check exceeded the maximum depth of %d; raise max_depth or simplify the data", req.maxDepth)
	}
	return exactFalse, nil
}
