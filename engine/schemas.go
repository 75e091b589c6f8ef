package engine

import (
	"context"
	"errors"

	"github.com/wardhq/ward/engine/schema"
	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/store"
)

// WriteSchema compiles text and makes it the schema in force. It is refused when text does not
// compile (InvalidArgument, every error with its line and column) and when stored tuples would no
// longer be valid under it (FailedPrecondition, naming one such tuple).
func (e *Engine) WriteSchema(ctx context.Context, text string) (Token, error) {
	next, err := schema.Compile(text)
	if err != nil {
		var list schema.ErrorList
		if errors.As(err, &list) {
			return "", &fault.Error{Code: fault.InvalidArgument, Field: "schema", Message: list.Error()}
		}
		return "", fault.Invalid("schema", "%v", err)
	}
	rev, err := e.store.Transact(ctx, func(ctx context.Context, tx store.Tx) error {
		prev, err := tx.ReadSchema(ctx)
		switch {
		case fault.CodeOf(err) == fault.NotFound:
		case err != nil:
			return err
		default:
			old, err := schema.Compile(prev.Text)
			if err != nil {
				return fault.Bugf("stored schema does not compile: %v", err)
			}
			if err := checkNoOrphans(ctx, tx, old, next); err != nil {
				return err
			}
		}
		return tx.WriteSchema(ctx, text)
	})
	if err != nil {
		return "", err
	}
	e.schemaFloor.raise(rev)
	return encodeToken(rev), nil
}

// checkNoOrphans fails if a tuple stored under old would be invalid under next.
func checkNoOrphans(ctx context.Context, tx store.Tx, old, next *schema.Schema) error {
	for _, typ := range old.Order {
		for _, rel := range old.Definitions[typ].Relations {
			var keep *schema.Relation
			if def, ok := next.Definitions[typ]; ok {
				keep = def.Relations[rel.Name]
			}
			for _, a := range rel.Allowed {
				if keep != nil && hasAllowed(keep, a) {
					continue
				}
				f := store.TupleFilter{ResourceType: typ, Relation: rel.Name, SubjectType: a.Type, SubjectRelation: &a.Relation}
				for t, err := range tx.QueryTuples(ctx, f, store.QueryOptions{}) {
					if err != nil {
						return err
					}
					if !allows(a, t.Subject) {
						continue
					}
					what := "removes relation " + typ + "#" + rel.Name
					if keep != nil {
						what = "no longer allows " + a.String() + " in " + typ + "#" + rel.Name
					}
					return fault.New(fault.FailedPrecondition,
						"the new schema %s, but relationships still use it, such as %s; delete them first", what, t)
				}
			}
		}
	}
	return nil
}

func hasAllowed(rel *schema.Relation, a schema.AllowedSubject) bool {
	for _, b := range rel.Allowed {
		if b.Type == a.Type && b.Relation == a.Relation && b.Wildcard == a.Wildcard {
			return true
		}
	}
	return false
}

// ReadSchema returns the newest schema's text and the token of the write that stored it.
func (e *Engine) ReadSchema(ctx context.Context) (string, Token, error) {
	head, err := e.store.HeadRevision(ctx)
	if err != nil {
		return "", "", err
	}
	v, err := e.store.Snapshot(head).ReadSchema(ctx)
	if err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return "", "", fault.New(fault.NotFound, "no schema has been written yet")
		}
		return "", "", err
	}
	e.schemaFloor.raise(v.Revision)
	return v.Text, encodeToken(v.Revision), nil
}
