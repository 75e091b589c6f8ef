package rpc

import (
	"context"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/engine"
	schemav1 "github.com/wardhq/ward/proto/ward/schema/v1"
	"github.com/wardhq/ward/proto/ward/schema/v1/schemav1connect"
)

// Schemas is what the schema service needs from the engine.
type Schemas interface {
	WriteSchema(ctx context.Context, text string) (engine.Token, error)
	ReadSchema(ctx context.Context) (string, engine.Token, error)
}

// SchemaService serves ward.schema.v1.SchemaService.
type SchemaService struct {
	engine Schemas
	log    *slog.Logger
}

var _ schemav1connect.SchemaServiceHandler = (*SchemaService)(nil)

// NewSchemaService returns the schema service over e.
func NewSchemaService(e Schemas, log *slog.Logger) *SchemaService {
	return &SchemaService{engine: e, log: log}
}

// WriteSchema implements SchemaService.WriteSchema.
func (s *SchemaService) WriteSchema(ctx context.Context, req *connect.Request[schemav1.WriteSchemaRequest]) (*connect.Response[schemav1.WriteSchemaResponse], error) {
	tok, err := s.engine.WriteSchema(ctx, req.Msg.GetSchema())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&schemav1.WriteSchemaResponse{WrittenAt: string(tok)}), nil
}

// ReadSchema implements SchemaService.ReadSchema.
func (s *SchemaService) ReadSchema(ctx context.Context, _ *connect.Request[schemav1.ReadSchemaRequest]) (*connect.Response[schemav1.ReadSchemaResponse], error) {
	text, tok, err := s.engine.ReadSchema(ctx)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&schemav1.ReadSchemaResponse{Schema: text, WrittenAt: string(tok)}), nil
}
