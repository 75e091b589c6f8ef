package rpc

import (
	"github.com/wardhq/ward/engine"
	"github.com/wardhq/ward/fault"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/store"
)

func consistencyFrom(c *relv1.Consistency) engine.Consistency {
	switch r := c.GetRequirement().(type) {
	case *relv1.Consistency_AtLeastAsFresh:
		return engine.Consistency{Mode: engine.AtLeastAsFresh, Token: engine.Token(r.AtLeastAsFresh)}
	case *relv1.Consistency_FullyConsistent:
		if r.FullyConsistent {
			return engine.Consistency{Mode: engine.FullyConsistent}
		}
	}
	return engine.Consistency{Mode: engine.MinimizeLatency}
}

func objectFrom(o *relv1.ObjectReference) store.ObjectRef {
	return store.ObjectRef{Type: o.GetType(), ID: o.GetId()}
}

func subjectFrom(s *relv1.SubjectReference) store.Subject {
	return store.Subject{Type: s.GetType(), ID: s.GetId(), Relation: s.GetRelation()}
}

func tupleFrom(r *relv1.Relationship) store.Tuple {
	return store.Tuple{Resource: objectFrom(r.GetResource()), Relation: r.GetRelation(), Subject: subjectFrom(r.GetSubject())}
}

func objectTo(o store.ObjectRef) *relv1.ObjectReference {
	return &relv1.ObjectReference{Type: o.Type, Id: o.ID}
}

func subjectTo(s store.Subject) *relv1.SubjectReference {
	return &relv1.SubjectReference{Type: s.Type, Id: s.ID, Relation: s.Relation}
}

func tupleTo(t store.Tuple) *relv1.Relationship {
	return &relv1.Relationship{Resource: objectTo(t.Resource), Relation: t.Relation, Subject: subjectTo(t.Subject)}
}

func filterFrom(f *relv1.RelationshipFilter) store.TupleFilter {
	out := store.TupleFilter{
		ResourceType: f.GetResourceType(),
		Relation:     f.GetRelation(),
	}
	if id := f.GetResourceId(); id != "" {
		out.ResourceIDs = []string{id}
	}
	if sf := f.GetSubjectFilter(); sf != nil {
		out.SubjectType = sf.GetType()
		if id := sf.GetId(); id != "" {
			out.SubjectIDs = []string{id}
		}
		if sf.Relation != nil {
			rel := sf.GetRelation()
			out.SubjectRelation = &rel
		}
	}
	return out
}

func preconditionsFrom(ps []*relv1.Precondition) ([]engine.Precondition, error) {
	out := make([]engine.Precondition, len(ps))
	for i, p := range ps {
		switch p.GetOperation() {
		case relv1.Precondition_OPERATION_MUST_MATCH:
			out[i].MustMatch = true
		case relv1.Precondition_OPERATION_MUST_NOT_MATCH:
		default:
			return nil, fault.Invalid(indexed("preconditions", i)+".operation", "operation is unspecified")
		}
		out[i].Filter = filterFrom(p.GetFilter())
	}
	return out, nil
}

func updatesFrom(us []*relv1.RelationshipUpdate) []store.Update {
	out := make([]store.Update, len(us))
	for i, u := range us {
		// An unknown operation maps to the zero Operation, which the engine refuses by field.
		switch u.GetOperation() {
		case relv1.RelationshipUpdate_OPERATION_CREATE:
			out[i].Op = store.Create
		case relv1.RelationshipUpdate_OPERATION_TOUCH:
			out[i].Op = store.Touch
		case relv1.RelationshipUpdate_OPERATION_DELETE:
			out[i].Op = store.Delete
		}
		out[i].Tuple = tupleFrom(u.GetRelationship())
	}
	return out
}
