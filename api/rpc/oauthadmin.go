package rpc

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2"
	oauth2v1 "github.com/wardhq/ward/proto/ward/oauth2/v1"
	"github.com/wardhq/ward/proto/ward/oauth2/v1/oauth2v1connect"
)

// maxClientPage is the largest page ListClients returns, and its default.
const maxClientPage = 1000

// OAuth2AdminService serves ward.oauth2.v1.OAuth2AdminService: client management, the login and
// consent apps' answers, and signing key rotation. Admin listener only.
type OAuth2AdminService struct {
	p   *oauth2.Provider
	log *slog.Logger
}

var _ oauth2v1connect.OAuth2AdminServiceHandler = (*OAuth2AdminService)(nil)

// NewOAuth2AdminService returns the admin service over p.
func NewOAuth2AdminService(p *oauth2.Provider, log *slog.Logger) *OAuth2AdminService {
	return &OAuth2AdminService{p: p, log: log}
}

// CreateClient implements OAuth2AdminService.CreateClient.
func (s *OAuth2AdminService) CreateClient(ctx context.Context, req *connect.Request[oauth2v1.CreateClientRequest]) (*connect.Response[oauth2v1.CreateClientResponse], error) {
	c, err := clientFromProto(req.Msg.GetClient())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	created, secret, err := s.p.CreateClient(ctx, c)
	if err != nil {
		return nil, toConnect(ctx, s.log, fault.InField("client", err))
	}
	return connect.NewResponse(&oauth2v1.CreateClientResponse{Client: clientToProto(created), ClientSecret: secret}), nil
}

// GetClient implements OAuth2AdminService.GetClient.
func (s *OAuth2AdminService) GetClient(ctx context.Context, req *connect.Request[oauth2v1.GetClientRequest]) (*connect.Response[oauth2v1.GetClientResponse], error) {
	c, err := s.p.GetClient(ctx, req.Msg.GetClientId())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.GetClientResponse{Client: clientToProto(c)}), nil
}

// ListClients implements OAuth2AdminService.ListClients. The page token is the last client ID of
// the previous page: client IDs are not secret from the admin API.
func (s *OAuth2AdminService) ListClients(ctx context.Context, req *connect.Request[oauth2v1.ListClientsRequest]) (*connect.Response[oauth2v1.ListClientsResponse], error) {
	size := int(req.Msg.GetPageSize())
	switch {
	case size < 0:
		return nil, toConnect(ctx, s.log, fault.Invalid("page_size", "must not be negative"))
	case size == 0 || size > maxClientPage:
		size = maxClientPage
	}
	clients, err := s.p.ListClients(ctx, req.Msg.GetPageToken(), size+1)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	resp := &oauth2v1.ListClientsResponse{}
	if len(clients) > size {
		clients = clients[:size]
		resp.NextPageToken = clients[size-1].ID
	}
	for _, c := range clients {
		resp.Clients = append(resp.Clients, clientToProto(c))
	}
	return connect.NewResponse(resp), nil
}

// UpdateClient implements OAuth2AdminService.UpdateClient.
func (s *OAuth2AdminService) UpdateClient(ctx context.Context, req *connect.Request[oauth2v1.UpdateClientRequest]) (*connect.Response[oauth2v1.UpdateClientResponse], error) {
	c, err := clientFromProto(req.Msg.GetClient())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	if c.ID == "" {
		return nil, toConnect(ctx, s.log, fault.Invalid("client.client_id", "is required"))
	}
	updated, secret, err := s.p.UpdateClient(ctx, c)
	if err != nil {
		return nil, toConnect(ctx, s.log, fault.InField("client", err))
	}
	return connect.NewResponse(&oauth2v1.UpdateClientResponse{Client: clientToProto(updated), ClientSecret: secret}), nil
}

// DeleteClient implements OAuth2AdminService.DeleteClient.
func (s *OAuth2AdminService) DeleteClient(ctx context.Context, req *connect.Request[oauth2v1.DeleteClientRequest]) (*connect.Response[oauth2v1.DeleteClientResponse], error) {
	if err := s.p.DeleteClient(ctx, req.Msg.GetClientId()); err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.DeleteClientResponse{}), nil
}

// RotateClientSecret implements OAuth2AdminService.RotateClientSecret.
func (s *OAuth2AdminService) RotateClientSecret(ctx context.Context, req *connect.Request[oauth2v1.RotateClientSecretRequest]) (*connect.Response[oauth2v1.RotateClientSecretResponse], error) {
	secret, err := s.p.RotateClientSecret(ctx, req.Msg.GetClientId())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.RotateClientSecretResponse{ClientSecret: secret}), nil
}

// GetLogin implements OAuth2AdminService.GetLogin.
func (s *OAuth2AdminService) GetLogin(ctx context.Context, req *connect.Request[oauth2v1.GetLoginRequest]) (*connect.Response[oauth2v1.GetLoginResponse], error) {
	l, err := s.p.GetLoginRequest(ctx, req.Msg.GetLoginChallenge())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.GetLoginResponse{Login: &oauth2v1.PendingLogin{
		LoginChallenge:     l.Challenge,
		Client:             clientToProto(l.Client),
		Skip:               l.Skip,
		Subject:            l.Subject,
		SessionId:          l.SessionID,
		RequestedScopes:    l.RequestedScopes,
		RequestedAudiences: l.RequestedAudiences,
		OidcContext:        oidcToProto(l.OIDC),
		RequestUrl:         l.RequestURL,
		Device:             l.Device,
	}}), nil
}

// AcceptLogin implements OAuth2AdminService.AcceptLogin.
func (s *OAuth2AdminService) AcceptLogin(ctx context.Context, req *connect.Request[oauth2v1.AcceptLoginRequest]) (*connect.Response[oauth2v1.AcceptLoginResponse], error) {
	m := req.Msg
	rememberFor, err := duration(m.GetRememberFor(), "remember_for")
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	to, err := s.p.AcceptLogin(ctx, m.GetLoginChallenge(), oauth2.LoginAcceptance{
		Subject: m.GetSubject(), Remember: m.GetRemember(), RememberFor: rememberFor, ACR: m.GetAcr(), AMR: m.GetAmr(),
	})
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.AcceptLoginResponse{RedirectTo: to}), nil
}

// RejectLogin implements OAuth2AdminService.RejectLogin.
func (s *OAuth2AdminService) RejectLogin(ctx context.Context, req *connect.Request[oauth2v1.RejectLoginRequest]) (*connect.Response[oauth2v1.RejectLoginResponse], error) {
	to, err := s.p.RejectLogin(ctx, req.Msg.GetLoginChallenge(), rejection(req.Msg.GetError(), req.Msg.GetErrorDescription()))
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.RejectLoginResponse{RedirectTo: to}), nil
}

// GetConsent implements OAuth2AdminService.GetConsent.
func (s *OAuth2AdminService) GetConsent(ctx context.Context, req *connect.Request[oauth2v1.GetConsentRequest]) (*connect.Response[oauth2v1.GetConsentResponse], error) {
	c, err := s.p.GetConsentRequest(ctx, req.Msg.GetConsentChallenge())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.GetConsentResponse{Consent: &oauth2v1.PendingConsent{
		ConsentChallenge:   c.Challenge,
		Client:             clientToProto(c.Client),
		Subject:            c.Subject,
		Skip:               c.Skip,
		RequestedScopes:    c.RequestedScopes,
		RequestedAudiences: c.RequestedAudiences,
		OidcContext:        oidcToProto(c.OIDC),
		Acr:                c.ACR,
		Amr:                c.AMR,
		SessionId:          c.SessionID,
		Device:             c.Device,
	}}), nil
}

// AcceptConsent implements OAuth2AdminService.AcceptConsent.
func (s *OAuth2AdminService) AcceptConsent(ctx context.Context, req *connect.Request[oauth2v1.AcceptConsentRequest]) (*connect.Response[oauth2v1.AcceptConsentResponse], error) {
	m := req.Msg
	rememberFor, err := duration(m.GetRememberFor(), "remember_for")
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	to, err := s.p.AcceptConsent(ctx, m.GetConsentChallenge(), oauth2.ConsentAcceptance{
		GrantScopes:       m.GetGrantScopes(),
		GrantAudiences:    m.GetGrantAudiences(),
		Remember:          m.GetRemember(),
		RememberFor:       rememberFor,
		IDTokenClaims:     m.GetIdTokenClaims().AsMap(),
		AccessTokenClaims: m.GetAccessTokenClaims().AsMap(),
	})
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.AcceptConsentResponse{RedirectTo: to}), nil
}

// RejectConsent implements OAuth2AdminService.RejectConsent.
func (s *OAuth2AdminService) RejectConsent(ctx context.Context, req *connect.Request[oauth2v1.RejectConsentRequest]) (*connect.Response[oauth2v1.RejectConsentResponse], error) {
	to, err := s.p.RejectConsent(ctx, req.Msg.GetConsentChallenge(), rejection(req.Msg.GetError(), req.Msg.GetErrorDescription()))
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.RejectConsentResponse{RedirectTo: to}), nil
}

// RevokeConsent implements OAuth2AdminService.RevokeConsent.
func (s *OAuth2AdminService) RevokeConsent(ctx context.Context, req *connect.Request[oauth2v1.RevokeConsentRequest]) (*connect.Response[oauth2v1.RevokeConsentResponse], error) {
	if req.Msg.GetSubject() == "" {
		return nil, toConnect(ctx, s.log, fault.Invalid("subject", "is required"))
	}
	n, err := s.p.RevokeConsent(ctx, req.Msg.GetSubject(), req.Msg.GetClientId())
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.RevokeConsentResponse{Revoked: int32(n)}), nil
}

// ListSigningKeys implements OAuth2AdminService.ListSigningKeys.
func (s *OAuth2AdminService) ListSigningKeys(ctx context.Context, req *connect.Request[oauth2v1.ListSigningKeysRequest]) (*connect.Response[oauth2v1.ListSigningKeysResponse], error) {
	keys, err := s.p.ListSigningKeys(ctx)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	resp := &oauth2v1.ListSigningKeysResponse{}
	for i := range keys {
		resp.Keys = append(resp.Keys, signingKeyToProto(&keys[i]))
	}
	return connect.NewResponse(resp), nil
}

// RotateSigningKey implements OAuth2AdminService.RotateSigningKey.
func (s *OAuth2AdminService) RotateSigningKey(ctx context.Context, req *connect.Request[oauth2v1.RotateSigningKeyRequest]) (*connect.Response[oauth2v1.RotateSigningKeyResponse], error) {
	k, err := s.p.RotateSigningKey(ctx)
	if err != nil {
		return nil, toConnect(ctx, s.log, err)
	}
	return connect.NewResponse(&oauth2v1.RotateSigningKeyResponse{Key: signingKeyToProto(k)}), nil
}

// clientFromProto converts a registration; the domain validates it.
func clientFromProto(m *oauth2v1.Client) (oauth2.Client, error) {
	if m == nil {
		return oauth2.Client{}, fault.Invalid("client", "is required")
	}
	c := oauth2.Client{
		ID:                     m.GetClientId(),
		Name:                   m.GetClientName(),
		RedirectURIs:           m.GetRedirectUris(),
		PostLogoutRedirectURIs: m.GetPostLogoutRedirectUris(),
		ResponseTypes:          m.GetResponseTypes(),
		Scopes:                 m.GetScopes(),
		Audiences:              m.GetAudiences(),
		AuthMethod:             oauth2.AuthMethod(m.GetTokenEndpointAuthMethod()),
		AccessTokenFormat:      m.GetAccessTokenFormat(),
	}
	for _, g := range m.GetGrantTypes() {
		c.GrantTypes = append(c.GrantTypes, oauth2.GrantType(g))
	}
	if j := m.GetJwks(); j != "" {
		if !json.Valid([]byte(j)) {
			return oauth2.Client{}, fault.Invalid("client.jwks", "is not JSON")
		}
		c.JWKS = json.RawMessage(j)
	}
	return c, nil
}

func clientToProto(c *oauth2.Client) *oauth2v1.Client {
	if c == nil {
		return nil
	}
	m := &oauth2v1.Client{
		ClientId:                c.ID,
		ClientName:              c.Name,
		RedirectUris:            c.RedirectURIs,
		PostLogoutRedirectUris:  c.PostLogoutRedirectURIs,
		ResponseTypes:           c.ResponseTypes,
		Scopes:                  c.Scopes,
		Audiences:               c.Audiences,
		TokenEndpointAuthMethod: string(c.AuthMethod),
		Jwks:                    string(c.JWKS),
		AccessTokenFormat:       c.AccessTokenFormat,
		CreatedAt:               timestamp(c.CreatedAt),
		UpdatedAt:               timestamp(c.UpdatedAt),
	}
	for _, g := range c.GrantTypes {
		m.GrantTypes = append(m.GrantTypes, string(g))
	}
	return m
}

func oidcToProto(o oauth2.OIDCContext) *oauth2v1.OIDCContext {
	return &oauth2v1.OIDCContext{
		Prompt: o.Prompt, MaxAge: int32(o.MaxAge), LoginHint: o.LoginHint,
		AcrValues: o.ACRValues, UiLocales: o.UILocales, Display: o.Display,
	}
}

func signingKeyToProto(k *oauth2.SigningKeyInfo) *oauth2v1.SigningKey {
	return &oauth2v1.SigningKey{
		Kid:          k.ID,
		Algorithm:    k.Algorithm,
		CreatedAt:    timestamp(k.CreatedAt),
		RetiredAt:    timestamp(k.RetiredAt),
		PublishUntil: timestamp(k.PublishUntil),
		PublicJwk:    string(k.PublicKey),
	}
}

func rejection(code, description string) oauth2.Rejection {
	return oauth2.Rejection{Code: oauth2.ErrorCode(code), Description: description}
}

// timestamp converts t, leaving a zero time unset.
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// duration converts an optional duration field; unset is zero.
func duration(d *durationpb.Duration, field string) (time.Duration, error) {
	if d == nil {
		return 0, nil
	}
	if err := d.CheckValid(); err != nil || d.AsDuration() < 0 {
		return 0, fault.Invalid(field, "is not a valid non-negative duration")
	}
	return d.AsDuration(), nil
}

// claims converts a claims map into a Struct (nil for none); it fails on a value JSON cannot hold.
func claims(m map[string]any) (*structpb.Struct, error) {
	if len(m) == 0 {
		return nil, nil
	}
	return structpb.NewStruct(m)
}
