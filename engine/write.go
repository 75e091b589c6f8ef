package engine

import (
	"context"
	"strconv"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// MaxWriteBatch bounds the updates of one write.
const MaxWriteBatch = 10_000

// Precondition must hold, inside the write's transaction, for the write to be applied.
type Precondition struct {
	Filter    store.TupleFilter
	MustMatch bool // true: at least one tuple matches; false: none does
}

// WriteTuples validates updates against the schema and applies them atomically if every
// precondition holds. It returns how many tuples its Delete updates removed and the token of the
// commit. A Delete is validated like any other update, so that a mistyped one fails instead of
// removing nothing; only a tuple that is actually stored may be deleted whatever the schema says.
func (e *Engine) WriteTuples(ctx context.Context, updates []store.Update, pre []Precondition) (int, Token, error) {
	if len(updates) == 0 {
		return 0, "", fault.Invalid("updates", "no updates")
	}
	if len(updates) > MaxWriteBatch {
		return 0, "", fault.Invalid("updates", "%d updates; at most %d are allowed in one write", len(updates), MaxWriteBatch)
	}
	seen := make(map[store.Tuple]int, len(updates))
	for i, u := range updates {
		field := "updates[" + strconv.Itoa(i) + "]"
		if u.Op < store.Create || u.Op > store.Delete {
			return 0, "", fault.Invalid(field+".operation", "operation is unspecified")
		}
		if err := u.Tuple.Validate(); err != nil {
			return 0, "", fault.InField(field+".relationship", err)
		}
		if j, dup := seen[u.Tuple]; dup {
			return 0, "", fault.Invalid(field+".relationship", "%s appears twice in one write (also at updates[%d])", u.Tuple, j)
		}
		seen[u.Tuple] = i
	}
	var deleted int
	rev, err := e.store.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		sch, err := e.schemaOf(ctx, tx)
		if err != nil {
			return err
		}
		for i, u := range updates {
			if err := ValidateTuple(sch, u.Tuple); err != nil {
				if u.Op == store.Delete {
					// A tuple the schema does not allow can only be stored if it was imported
					// while the schema changed; removing it must stay possible.
					stored, serr := isStored(ctx, tx, u.Tuple)
					if serr != nil {
						return serr
					}
					if stored {
						continue
					}
				}
				return fault.InField("updates["+strconv.Itoa(i)+"].relationship", err)
			}
		}
		if err := checkPreconditions(ctx, tx, sch, pre); err != nil {
			return err
		}
		deleted, err = tx.WriteTuples(ctx, updates)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return deleted, encodeToken(rev), nil
}

// isStored reports whether tx holds exactly t.
func isStored(ctx context.Context, tx store.Tx, t store.Tuple) (bool, error) {
	f := store.TupleFilter{
		ResourceType: t.Resource.Type, ResourceIDs: []string{t.Resource.ID}, Relation: t.Relation,
		SubjectType: t.Subject.Type, SubjectIDs: []string{t.Subject.ID}, SubjectRelation: &t.Subject.Relation,
	}
	for _, err := range tx.QueryTuples(ctx, f, store.QueryOptions{Limit: 1}) {
		return err == nil, err
	}
	return false, nil
}

// DeleteTuples deletes every tuple that matches f, atomically, if every precondition holds. It
// returns how many tuples it deleted and the token of the commit.
func (e *Engine) DeleteTuples(ctx context.Context, f store.TupleFilter, pre []Precondition) (int, Token, error) {
	if f.ResourceType == "" {
		return 0, "", fault.Invalid("filter.resource_type", "a delete must name a resource type")
	}
	var n int
	rev, err := e.store.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		sch, err := e.schemaOf(ctx, tx)
		if err != nil {
			return err
		}
		if err := validateFilter(sch, f); err != nil {
			return fault.InField("filter", err)
		}
		if err := checkPreconditions(ctx, tx, sch, pre); err != nil {
			return err
		}
		n, err = tx.DeleteTuples(ctx, f)
		return err
	})
	if err != nil {
		return 0, "", err
	}
	return n, encodeToken(rev), nil
}

func checkPreconditions(ctx context.Context, tx store.Tx, sch *schema.Schema, pre []Precondition) error {
	for i, p := range pre {
		field := "preconditions[" + strconv.Itoa(i) + "]"
		if err := validateFilter(sch, p.Filter); err != nil {
			return fault.InField(field+".filter", err)
		}
		matched := false
		for _, err := range tx.QueryTuples(ctx, p.Filter, store.QueryOptions{Limit: 1}) {
			if err != nil {
				return err
			}
			matched = true
		}
		if matched != p.MustMatch {
			want := "at least one relationship to match"
			if !p.MustMatch {
				want = "no relationship to match"
			}
			return &fault.Error{Code: fault.FailedPrecondition, Field: field, Message: "precondition failed: it requires " + want}
		}
	}
	return nil
}

// ValidateTuple checks t against the schema: its resource type and relation exist, the relation
// is stored (not a permission), and it allows the subject's type.
func ValidateTuple(s *schema.Schema, t store.Tuple) error {
	def, ok := s.Definitions[t.Resource.Type]
	if !ok {
		return fault.Invalid("resource.type", "the schema has no type %q", t.Resource.Type)
	}
	rel, ok := def.Relations[t.Relation]
	if !ok {
		if _, isPerm := def.Permissions[t.Relation]; isPerm {
			return fault.Invalid("relation", "%s#%s is a permission: it is computed, and cannot be written", def.Name, t.Relation)
		}
		return fault.Invalid("relation", "type %q has no relation %q", def.Name, t.Relation)
	}
	for _, a := range rel.Allowed {
		if allows(a, t.Subject) {
			return nil
		}
	}
	if _, ok := s.Definitions[t.Subject.Type]; !ok {
		return fault.Invalid("subject.type", "the schema has no type %q", t.Subject.Type)
	}
	return fault.Invalid("subject", "relation %s#%s does not allow subject %s (it allows %s)",
		def.Name, rel.Name, t.Subject, allowedList(rel))
}

func allows(a schema.AllowedSubject, s store.Subject) bool {
	if a.Type != s.Type {
		return false
	}
	switch {
	case a.Wildcard:
		return s.IsWildcard()
	case a.Relation != "":
		return s.Relation == a.Relation && s.ID != store.Wildcard
	}
	return s.Relation == "" && s.ID != store.Wildcard
}

func allowedList(rel *schema.Relation) string {
	var b []byte
	for i, a := range rel.Allowed {
		if i > 0 {
			b = append(b, " | "...)
		}
		b = append(b, a.String()...)
	}
	return string(b)
}

// validateFilter checks that the types and relations a filter names exist. Its errors name the
// fields of the API's filter, which holds one resource ID and one subject ID.
func validateFilter(s *schema.Schema, f store.TupleFilter) error {
	if f.ResourceType != "" {
		if err := validateSchemaType(s, f.ResourceType, "resource_type"); err != nil {
			return err
		}
		def := s.Definitions[f.ResourceType]
		if _, ok := def.Relations[f.Relation]; f.Relation != "" && !ok {
			if _, isPerm := def.Permissions[f.Relation]; isPerm {
				return fault.Invalid("relation", "%s#%s is a permission: it is computed, and no relationship stores it", def.Name, f.Relation)
			}
			return fault.Invalid("relation", "type %q has no relation %q", f.ResourceType, f.Relation)
		}
	} else if f.Relation != "" && !anyHasRelation(s, f.Relation) {
		return fault.Invalid("relation", "no type of the schema has a relation %q", f.Relation)
	}
	for _, id := range f.ResourceIDs {
		if err := store.ValidateID(id); err != nil {
			return fault.InField("resource_id", err)
		}
	}
	if f.SubjectType != "" {
		if err := validateSchemaType(s, f.SubjectType, "subject_filter.type"); err != nil {
			return err
		}
		if r := f.SubjectRelation; r != nil && *r != "" && !s.Definitions[f.SubjectType].HasRelationOrPermission(*r) {
			return fault.Invalid("subject_filter.relation", "type %q has no relation or permission %q", f.SubjectType, *r)
		}
	}
	for _, id := range f.SubjectIDs {
		if err := store.ValidateID(id); err != nil {
			return fault.InField("subject_filter.id", err)
		}
	}
	return nil
}

// anyHasRelation reports whether some type of s has the stored relation name.
func anyHasRelation(s *schema.Schema, name string) bool {
	for _, def := range s.Definitions {
		if _, ok := def.Relations[name]; ok {
			return true
		}
	}
	return false
}

// Validator returns a function that checks tuples against the newest schema, for bulk imports
// that write to the store directly. A schema written during the import is not seen.
func (e *Engine) Validator(ctx context.Context) (func(store.Tuple) error, error) {
	head, err := e.store.HeadRevision(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := e.snapshotAt(ctx, head)
	if err != nil {
		return nil, err
	}
	return func(t store.Tuple) error {
		if err := t.Validate(); err != nil {
			return err
		}
		return ValidateTuple(snap.schema, t)
	}, nil
}
