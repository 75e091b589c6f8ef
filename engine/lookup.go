package engine

import (
	"context"
	"slices"

	"golang.org/x/sync/errgroup"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// Lookups work in two steps. A walk over the tuples finds candidates: every object that could
// possibly be an answer (it follows unions, both sides of intersections and the base of exclusions,
// so it can only find too many). Then each candidate is checked, which makes the answer exact and
// shares the check cache. Answers are sorted, and pages continue after the last ID returned.

// LookupResult is one page of a lookup.
type LookupResult struct {
	IDs []string
	// Excluded lists, when IDs holds the wildcard "*", subjects the wildcard does not cover.
	Excluded []string
	Next     string // page token of the next page; "" after the last
	Token    Token  // snapshot the answer was computed at
}

// LookupResources returns the IDs of the objects of resourceType on which subject has permission.
func (e *Engine) LookupResources(ctx context.Context, c Consistency, resourceType, permission string, subject store.Subject, p Page) (*LookupResult, error) {
	b := e.newBudget("LookupResources")
	res, err := e.lookupResources(ctx, b, c, resourceType, permission, subject, p)
	return res, b.stopped(err)
}

func (e *Engine) lookupResources(ctx context.Context, b *budget, c Consistency, resourceType, permission string, subject store.Subject, p Page) (*LookupResult, error) {
	release, err := e.acquire(ctx, "LookupResources")
	if err != nil {
		return nil, err
	}
	defer release()
	bind := binding("LookupResources", resourceType, permission, subject.String())
	snap, after, size, err := e.pageStart(ctx, c, p, bind)
	if err != nil {
		return nil, err
	}
	validate := func(s *schema.Schema) error {
		if err := validateUserset(s, resourceType, permission, "resource_type", "permission"); err != nil {
			return err
		}
		return validateSubject(s, subject)
	}
	if err := validate(snap.schema); err != nil {
		return nil, e.explainStale(ctx, snap, err, validate)
	}
	sorted, err := e.candidatesOf(snap, bind, func() (map[string]bool, error) {
		w := reverseWalk{snap: snap, budget: b, edges: e.reverse.of(snap.schema), reached: make(map[userset]bool)}
		return w.run(ctx, subject, resourceType, permission)
	})
	if err != nil {
		return nil, err
	}
	ids, err := e.filter(ctx, snap, b, sorted, after, "", size, func(id string) CheckItem {
		return CheckItem{Resource: store.ObjectRef{Type: resourceType, ID: id}, Permission: permission, Subject: subject}
	})
	if err != nil {
		return nil, err
	}
	return e.page(snap, bind, ids, size), nil
}

// LookupSubjects returns the IDs of the subjects of subjectType that have permission on resource.
// A wildcard grant is reported as "*", with the subjects it does not cover in Excluded. With a
// subjectRelation, the subjects are the subject sets subjectType:ID#subjectRelation that have the
// permission (every member of such a set has it), as OpenFGA's ListUsers answers a userset
// filter; a wildcard has no subject sets.
func (e *Engine) LookupSubjects(ctx context.Context, c Consistency, resource store.ObjectRef, permission, subjectType, subjectRelation string, p Page) (*LookupResult, error) {
	b := e.newBudget("LookupSubjects")
	res, err := e.lookupSubjects(ctx, b, c, resource, permission, subjectType, subjectRelation, p)
	return res, b.stopped(err)
}

func (e *Engine) lookupSubjects(ctx context.Context, b *budget, c Consistency, resource store.ObjectRef, permission, subjectType, subjectRelation string, p Page) (*LookupResult, error) {
	release, err := e.acquire(ctx, "LookupSubjects")
	if err != nil {
		return nil, err
	}
	defer release()
	bind := binding("LookupSubjects", resource.String(), permission, subjectType, subjectRelation)
	snap, after, size, err := e.pageStart(ctx, c, p, bind)
	if err != nil {
		return nil, err
	}
	if err := validateObject(resource); err != nil {
		return nil, fault.InField("resource", err)
	}
	validate := func(s *schema.Schema) error {
		if err := validateUserset(s, resource.Type, permission, "resource.type", "permission"); err != nil {
			return err
		}
		if subjectRelation == "" {
			return validateSchemaType(s, subjectType, "subject_type")
		}
		return validateUserset(s, subjectType, subjectRelation, "subject_type", "subject_relation")
	}
	if err := validate(snap.schema); err != nil {
		return nil, e.explainStale(ctx, snap, err, validate)
	}
	sorted, err := e.candidatesOf(snap, bind, func() (map[string]bool, error) {
		w := forwardWalk{snap: snap, budget: b, subjectType: subjectType, subjectRelation: subjectRelation,
			visited: make(map[userset]bool), found: make(map[string]bool)}
		return w.found, w.run(ctx, resource, permission)
	})
	if err != nil {
		return nil, err
	}
	item := func(id string) CheckItem {
		return CheckItem{Resource: resource, Permission: permission, Subject: store.Subject{Type: subjectType, ID: id, Relation: subjectRelation}}
	}
	var excluded []string
	drop := ""
	// Later pages start after an ID returned, so past the wildcard: only the first decides it.
	if _, wild := slices.BinarySearch(sorted, store.Wildcard); wild && after == "" {
		allowed, err := e.checkSpent(ctx, snap, b, item(store.Wildcard))
		if err != nil {
			return nil, err
		}
		if !allowed {
			drop = store.Wildcard
		} else {
			// The wildcard's exceptions are the concrete candidates that fail their check.
			for _, id := range sorted {
				if id == store.Wildcard {
					continue
				}
				ok, err := e.checkSpent(ctx, snap, b, item(id))
				if err != nil {
					return nil, err
				}
				if !ok {
					excluded = append(excluded, id)
				}
			}
		}
	}
	ids, err := e.filter(ctx, snap, b, sorted, after, drop, size, item)
	if err != nil {
		return nil, err
	}
	res := e.page(snap, bind, ids, size)
	res.Excluded = excluded
	return res, nil
}

// candidatesOf returns the sorted candidates of the request bind at snap's revision: from the
// cache when an earlier page computed them, else from walk.
func (e *Engine) candidatesOf(snap *snapshot, bind string, walk func() (map[string]bool, error)) ([]string, error) {
	key := candidateKey(bind, snap.rev)
	if ids, ok := e.candidates.get(key); ok {
		return ids, nil
	}
	found, err := walk()
	if err != nil {
		return nil, err
	}
	sorted := make([]string, 0, len(found))
	for id := range found {
		sorted = append(sorted, id)
	}
	slices.Sort(sorted)
	e.candidates.add(key, sorted)
	return sorted, nil
}

func (e *Engine) checkSpent(ctx context.Context, snap *snapshot, b *budget, item CheckItem) (bool, error) {
	if err := b.spend(1); err != nil {
		return false, err
	}
	return e.check(ctx, snap, item)
}

// filter checks the sorted candidates after the cursor, in order and skipping drop, until it has
// size+1 that pass. It starts by binary search, so a later page costs about what the first does.
func (e *Engine) filter(ctx context.Context, snap *snapshot, b *budget, sorted []string, after, drop string, size int, item func(string) CheckItem) ([]string, error) {
	if after != "" {
		i, found := slices.BinarySearch(sorted, after)
		if found {
			i++
		}
		sorted = sorted[i:]
	}
	var out []string
	// Check in batches of one page, concurrently, until the page is full.
	for start := 0; start < len(sorted) && len(out) <= size; start += size + 1 {
		batch := sorted[start:min(start+size+1, len(sorted))]
		ok := make([]bool, len(batch))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(e.cfg.concurrency)
		for i, id := range batch {
			if id == drop {
				continue
			}
			g.Go(func() error {
				var err error
				ok[i], err = e.checkSpent(gctx, snap, b, item(id))
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		for i, id := range batch {
			if ok[i] {
				out = append(out, id)
			}
		}
	}
	return out, nil
}

func (e *Engine) page(snap *snapshot, bind string, ids []string, size int) *LookupResult {
	res := &LookupResult{IDs: ids, Token: snap.token}
	if len(ids) > size {
		res.IDs = ids[:size]
		res.Next = e.pages.sign(bind, cursor{rev: snap.rev, after: ids[size-1]})
	}
	return res
}

// userset is object#relation.
type userset struct {
	object   store.ObjectRef
	relation string
}

// reverseWalk finds, from a subject upwards, every userset that may contain it.
type reverseWalk struct {
	snap    *snapshot
	budget  *budget
	edges   *reverseEdges
	reached map[userset]bool
	queue   []userset
}

func (w *reverseWalk) reach(u userset) {
	if !w.reached[u] {
		w.reached[u] = true
		w.queue = append(w.queue, u)
	}
}

func (w *reverseWalk) run(ctx context.Context, subject store.Subject, resourceType, permission string) (map[string]bool, error) {
	sch := w.snap.schema
	if subject.Relation != "" {
		w.reach(userset{subject.Object(), subject.Relation}) // a subject set contains itself
	} else {
		// Relations that hold the subject directly, or through a wildcard.
		for _, typ := range sch.Order {
			for _, rel := range sch.Definitions[typ].Relations {
				for _, a := range rel.Allowed {
					if a.Type != subject.Type || a.Relation != "" {
						continue
					}
					id := subject.ID
					if a.Wildcard {
						id = store.Wildcard
					}
					if err := w.follow(ctx, typ, rel.Name, subject.Type, id, ""); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	for len(w.queue) > 0 {
		u := w.queue[0]
		w.queue = w.queue[1:]
		if err := w.expand(ctx, u); err != nil {
			return nil, err
		}
	}
	out := make(map[string]bool)
	for u := range w.reached {
		if u.object.Type == resourceType && u.relation == permission {
			out[u.object.ID] = true
		}
	}
	return out, nil
}

// follow reaches typ:X#relation for every tuple typ:X#relation@subjectType:id[#subjectRelation].
func (w *reverseWalk) follow(ctx context.Context, typ, relation, subjectType, id, subjectRelation string) error {
	f := store.TupleFilter{ResourceType: typ, Relation: relation, SubjectType: subjectType,
		SubjectIDs: []string{id}, SubjectRelation: &subjectRelation}
	var found []store.ObjectRef
	for t, err := range w.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return err
		}
		if err := w.budget.spend(1); err != nil {
			return err
		}
		found = append(found, t.Resource)
	}
	for _, o := range found {
		w.reach(userset{o, relation})
	}
	return nil
}

// expand reaches every userset that contains u directly.
func (w *reverseWalk) expand(ctx context.Context, u userset) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	k := typeRel{u.object.Type, u.relation}
	for _, r := range w.edges.sets[k] {
		if err := w.follow(ctx, r.typ, r.rel, u.object.Type, u.object.ID, u.relation); err != nil {
			return err
		}
	}
	for _, perm := range w.edges.refs[k] {
		w.reach(userset{u.object, perm})
	}
	for _, a := range w.edges.arrows[k] {
		if err := w.followArrow(ctx, a.typ, a.tupleset, u.object, a.permission); err != nil {
			return err
		}
	}
	return nil
}

// followArrow reaches typ:X#permission for every tuple typ:X#tupleset@target.
func (w *reverseWalk) followArrow(ctx context.Context, typ, tupleset string, target store.ObjectRef, permission string) error {
	none := ""
	f := store.TupleFilter{ResourceType: typ, Relation: tupleset, SubjectType: target.Type,
		SubjectIDs: []string{target.ID}, SubjectRelation: &none}
	var found []store.ObjectRef
	for t, err := range w.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
		if err != nil {
			return err
		}
		if err := w.budget.spend(1); err != nil {
			return err
		}
		found = append(found, t.Resource)
	}
	for _, o := range found {
		w.reach(userset{o, permission})
	}
	return nil
}

// positiveLeaves calls f for each Ref and Arrow through which membership can flow: everything but
// the right-hand side of an exclusion.
func positiveLeaves(e schema.Expr, f func(schema.Expr)) {
	switch e := e.(type) {
	case *schema.Union:
		for _, c := range e.Children {
			positiveLeaves(c, f)
		}
	case *schema.Intersection:
		for _, c := range e.Children {
			positiveLeaves(c, f)
		}
	case *schema.Exclusion:
		positiveLeaves(e.Base, f)
	default:
		f(e)
	}
}

// forwardWalk collects, from a userset downwards, every subject of one type mentioned anywhere in
// it — including on the right of exclusions, so that a wildcard's exceptions are found.
type forwardWalk struct {
	snap            *snapshot
	budget          *budget
	subjectType     string
	subjectRelation string // "": objects are found; else the subject sets with this relation
	visited         map[userset]bool
	found           map[string]bool
}

func (w *forwardWalk) run(ctx context.Context, object store.ObjectRef, relation string) error {
	u := userset{object, relation}
	if w.visited[u] {
		return nil
	}
	w.visited[u] = true
	// Every subject set that a permission can reach — the resource's own, one a tuple names,
	// one an arrow or a reference leads to — is a candidate; the checks decide.
	if w.subjectRelation != "" && object.Type == w.subjectType && relation == w.subjectRelation {
		w.found[object.ID] = true
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	def := w.snap.schema.Definitions[object.Type]
	if def == nil {
		return nil
	}
	if _, ok := def.Relations[relation]; ok {
		f := store.TupleFilter{ResourceType: object.Type, ResourceIDs: []string{object.ID}, Relation: relation}
		var sets []store.Subject
		for t, err := range w.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
			if err != nil {
				return err
			}
			if err := w.budget.spend(1); err != nil {
				return err
			}
			switch {
			case t.Subject.Relation != "":
				sets = append(sets, t.Subject)
			case t.Subject.Type == w.subjectType && w.subjectRelation == "":
				w.found[t.Subject.ID] = true
			}
		}
		for _, s := range sets {
			if err := w.run(ctx, s.Object(), s.Relation); err != nil {
				return err
			}
		}
		return nil
	}
	perm, ok := def.Permissions[relation]
	if !ok {
		return nil
	}
	return w.expr(ctx, object, perm.Expr)
}

func (w *forwardWalk) expr(ctx context.Context, object store.ObjectRef, e schema.Expr) error {
	switch e := e.(type) {
	case *schema.Union:
		return w.each(ctx, object, e.Children)
	case *schema.Intersection:
		return w.each(ctx, object, e.Children)
	case *schema.Exclusion:
		return w.each(ctx, object, []schema.Expr{e.Base, e.Subtract})
	case *schema.Ref:
		return w.run(ctx, object, e.Name)
	case *schema.Arrow:
		f := store.TupleFilter{ResourceType: object.Type, ResourceIDs: []string{object.ID}, Relation: e.Tupleset}
		var targets []store.ObjectRef
		for t, err := range w.snap.reader.QueryTuples(ctx, f, store.QueryOptions{}) {
			if err != nil {
				return err
			}
			if err := w.budget.spend(1); err != nil {
				return err
			}
			targets = append(targets, t.Subject.Object())
		}
		for _, t := range targets {
			if err := w.run(ctx, t, e.Computed); err != nil {
				return err
			}
		}
		return nil
	}
	return fault.Bugf("unknown expression %T", e)
}

func (w *forwardWalk) each(ctx context.Context, object store.ObjectRef, es []schema.Expr) error {
	for _, c := range es {
		if err := w.expr(ctx, object, c); err != nil {
			return err
		}
	}
	return nil
}
