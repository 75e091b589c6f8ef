package rpc

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/wardhq/ward/api/middleware"
	"github.com/wardhq/ward/oauth2"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
)

// IntrospectionService serves ward.oauth2.v1.IntrospectionService. On the public listener the
// caller must authenticate as a registered client (RFC 7662 §2.1) with HTTP Basic; on the admin
// listener, which only operators reach, no credentials are asked.
type IntrospectionService struct {
	p             *oauth2.Provider
	log           *slog.Logger
	authenticated bool
}

var _ oauth2v1connect.IntrospectionServiceHandler = (*IntrospectionService)(nil)

// NewIntrospectionService returns the service over p. With requireClient, every call must carry
// a client's credentials in an Authorization: Basic header.
func NewIntrospectionService(p *oauth2.Provider, log *slog.Logger, requireClient bool) *IntrospectionService {
	return &IntrospectionService{p: p, log: log, authenticated: requireClient}
}

// Introspect implements IntrospectionService.Introspect.
func (s *IntrospectionService) Introspect(ctx context.Context, req *connect.Request[oauth2v1.IntrospectRequest]) (*connect.Response[oauth2v1.IntrospectResponse], error) {
	var caller *oauth2.Client // nil on the admin listener, where every token may be asked about
	if s.authenticated {
		id, secret, ok, err := middleware.ParseBasicAuth(req.Header().Get("Authorization"))
		if !ok || err != nil {
			return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("introspection needs a client's credentials (Authorization: Basic)"))
		}
		caller, err = s.p.AuthenticateClient(ctx, oauth2.ClientCredentials{Method: oauth2.AuthClientSecretBasic, ID: id, Secret: secret})
		if err != nil {
			return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("client authentication failed"))
		}
	}
	in, err := s.p.Introspect(ctx, req.Msg.GetToken())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	if !in.Active || caller != nil && !s.p.MayIntrospect(caller, in) {
		return connect.NewResponse(&oauth2v1.IntrospectResponse{}), nil
	}
	resp := &oauth2v1.IntrospectResponse{
		Active:    true,
		TokenType: in.TokenType,
		ClientId:  in.ClientID,
		Subject:   in.Subject,
		Scopes:    in.Scopes,
		Audiences: in.Audiences,
		IssuedAt:  timestamp(in.IssuedAt),
		ExpiresAt: timestamp(in.ExpiresAt),
		AuthTime:  timestamp(in.AuthTime),
		Issuer:    in.Issuer,
	}
	if resp.Ext, err = claims(in.Extra); err != nil {
		// The consent app's claims came in as JSON, so this does not happen; if it did, the
		// token's validity still stands.
		s.log.WarnContext(ctx, "introspection: the token's extra claims do not convert", "error", err)
	}
	return connect.NewResponse(resp), nil
}
