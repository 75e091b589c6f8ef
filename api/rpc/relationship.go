package rpc

import (
	"context"
	"iter"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/engine"
	relv1 "github.com/wardhq/ward/proto/ward/relationship/v1"
	"github.com/wardhq/ward/proto/ward/relationship/v1/relationshipv1connect"
	"github.com/wardhq/ward/store"
)

// Relationships is what the relationship service needs from the engine.
type Relationships interface {
	WriteTuples(ctx context.Context, updates []store.Update, pre []engine.Precondition) (int, engine.Token, error)
	DeleteTuples(ctx context.Context, f store.TupleFilter, pre []engine.Precondition) (int, engine.Token, error)
	ReadTuples(ctx context.Context, c engine.Consistency, f store.TupleFilter, p engine.Page) ([]store.Tuple, string, engine.Token, error)
	Watch(ctx context.Context, after engine.Token) (iter.Seq2[store.ChangeSet, error], error)
}

// RelationshipService serves ward.relationship.v1.RelationshipService.
type RelationshipService struct {
	engine Relationships
	log    *slog.Logger
}

var _ relationshipv1connect.RelationshipServiceHandler = (*RelationshipService)(nil)

// NewRelationshipService returns the relationship service over e.
func NewRelationshipService(e Relationships, log *slog.Logger) *RelationshipService {
	return &RelationshipService{engine: e, log: log}
}

// WriteRelationships implements RelationshipService.WriteRelationships.
func (s *RelationshipService) WriteRelationships(ctx context.Context, req *connect.Request[relv1.WriteRelationshipsRequest]) (*connect.Response[relv1.WriteRelationshipsResponse], error) {
	pre, err := preconditionsFrom(req.Msg.GetPreconditions())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	n, tok, err := s.engine.WriteTuples(ctx, updatesFrom(req.Msg.GetUpdates()), pre)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&relv1.WriteRelationshipsResponse{WrittenAt: string(tok), DeletedCount: uint64(n)}), nil
}

// DeleteRelationships implements RelationshipService.DeleteRelationships.
func (s *RelationshipService) DeleteRelationships(ctx context.Context, req *connect.Request[relv1.DeleteRelationshipsRequest]) (*connect.Response[relv1.DeleteRelationshipsResponse], error) {
	pre, err := preconditionsFrom(req.Msg.GetPreconditions())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	n, tok, err := s.engine.DeleteTuples(ctx, filterFrom(req.Msg.GetFilter()), pre)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&relv1.DeleteRelationshipsResponse{DeletedAt: string(tok), DeletedCount: uint64(n)}), nil
}

// ReadRelationships implements RelationshipService.ReadRelationships.
func (s *RelationshipService) ReadRelationships(ctx context.Context, req *connect.Request[relv1.ReadRelationshipsRequest]) (*connect.Response[relv1.ReadRelationshipsResponse], error) {
	m := req.Msg
	tuples, next, tok, err := s.engine.ReadTuples(ctx, consistencyFrom(m.GetConsistency()), filterFrom(m.GetFilter()),
		engine.Page{Size: int(m.GetPageSize()), Token: m.GetPageToken()})
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	out := &relv1.ReadRelationshipsResponse{NextPageToken: next, ReadAt: string(tok)}
	for _, t := range tuples {
		out.Relationships = append(out.Relationships, tupleTo(t))
	}
	return connect.NewResponse(out), nil
}

// Watch implements RelationshipService.Watch.
func (s *RelationshipService) Watch(ctx context.Context, req *connect.Request[relv1.WatchRequest], stream *connect.ServerStream[relv1.WatchResponse]) error {
	changes, err := s.engine.Watch(ctx, engine.Token(req.Msg.GetAfter()))
	if err != nil {
		return toConnect(ctx, s.log, err)
	}
	// Send the headers now: a client's call returns only once they arrive, and the first change
	// may be a long way off.
	if err := stream.Send(nil); err != nil {
		return err
	}
	for cs, err := range changes {
		if err != nil {
			return toConnect(ctx, s.log, err)
		}
		msg := &relv1.WatchResponse{ChangesThrough: string(engine.TokenFor(cs.Revision)), SchemaChanged: cs.SchemaChanged}
		for _, c := range cs.Changes {
			op := relv1.RelationshipChange_OPERATION_CREATED
			if c.Op == store.Delete {
				op = relv1.RelationshipChange_OPERATION_DELETED
			}
			msg.Changes = append(msg.Changes, &relv1.RelationshipChange{Operation: op, Relationship: tupleTo(c.Tuple)})
		}
		if err := stream.Send(msg); err != nil {
			return err
		}
	}
	return nil
}
