package oauth2

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// TokenRequest is a token endpoint request (RFC 6749 §4, RFC 8628 §3.4), its client already
// authenticated ([Provider.AuthenticateClient]).
type TokenRequest struct {
	GrantType GrantType
	// authorization_code
	Code         string
	RedirectURI  string
	CodeVerifier string
	// refresh_token
	RefreshToken string
	// device_code
	DeviceCode string
	// client_credentials and refresh_token (narrowing)
	Scope    string
	Audience []string
}

// TokenResponse is a successful token response (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// accessData is the TokenRecord.Data of an access or refresh token: its scopes when narrower than
// its grant's (a refresh request that asked for fewer), and for a refresh token the key of the
// access token issued with it, which its rotation revokes.
type accessData struct {
	Scopes    []string `json:"scopes,omitempty"`
	AccessKey string   `json:"access_key,omitempty"`
}

// Token serves the token endpoint for client c: it dispatches on the grant type, which c must be
// allowed. The error is an *Error to send as the RFC's JSON error object.
func (p *Provider) Token(ctx context.Context, c *Client, req TokenRequest) (*TokenResponse, error) {
	if !slices.Contains(GrantTypes, req.GrantType) {
		return nil, UnsupportedGrantType("grant_type %s is not supported", truncate(string(req.GrantType)))
	}
	if !c.AllowsGrant(req.GrantType) {
		return nil, UnauthorizedClient("the client may not use grant type %s", req.GrantType)
	}
	switch req.GrantType {
	case GrantClientCredentials:
		return p.clientCredentialsGrant(ctx, c, req)
	case GrantAuthorizationCode:
		return p.authorizationCodeGrant(ctx, c, req)
	case GrantRefreshToken:
		return p.refreshTokenGrant(ctx, c, req)
	case GrantDeviceCode:
		return p.deviceCodeGrant(ctx, c, req)
	}
	return nil, UnsupportedGrantType("grant_type %s is not supported", truncate(string(req.GrantType)))
}

// clientCredentialsGrant issues an access token to the client itself (RFC 6749 §4.4): no refresh
// token, no ID token; the scopes and audiences requested, each of which the client must be
// allowed.
func (p *Provider) clientCredentialsGrant(ctx context.Context, c *Client, req TokenRequest) (*TokenResponse, error) {
	if c.Public() {
		return nil, UnauthorizedClient("a public client cannot use client_credentials")
	}
	scopes, err := ParseScope(req.Scope)
	if err != nil {
		return nil, err
	}
	if err := CheckScopes(scopes, c.Scopes); err != nil {
		return nil, err
	}
	auds, err := parseAudiences(req.Audience, c)
	if err != nil {
		return nil, err
	}
	now := p.now().UTC()
	g := &store.Grant{
		ID: randomID(), ClientID: c.ID, Scopes: scopes, Audiences: auds,
		CreatedAt: now, ExpiresAt: now.Add(p.cfg.AccessTokenLifetime),
	}
	resp, recs, err := p.issue(ctx, c, g, &grantSession{}, issueOptions{}, now)
	if err != nil {
		return nil, err
	}
	if err := p.st.CreateGrant(ctx, g, recs...); err != nil {
		return nil, AsError(err)
	}
	return resp, nil
}

// authorizationCodeGrant exchanges an authorization code (RFC 6749 §4.1.3, RFC 7636 §4.6). The
// code works once: the store consumes it atomically, and a second use revokes the grant with
// every token the first use issued.
func (p *Provider) authorizationCodeGrant(ctx context.Context, c *Client, req TokenRequest) (*TokenResponse, error) {
	kind, sig, err := p.codec.Verify(req.Code)
	if err != nil || kind != token.AuthorizeCode {
		return nil, InvalidGrant("the authorization code is not valid")
	}
	key := token.StorageKey(sig)
	rec, g, err := p.st.LookupToken(ctx, store.AuthorizeCodeKind, key)
	if err != nil {
		return nil, storeErr(err, InvalidGrant("the authorization code is unknown, used or revoked"))
	}
	now := p.now().UTC()
	if g.ClientID != c.ID {
		return nil, InvalidGrant("the authorization code was issued to another client")
	}
	var cd codeData
	if err := json.Unmarshal(rec.Data, &cd); err != nil {
		return nil, AsError(fault.Bugf("unreadable code data: %v", err))
	}
	if !rec.UsedAt.IsZero() {
		return nil, p.replay(ctx, store.AuthorizeCodeKind, key, g, now, "authorization code")
	}
	if !now.Before(rec.ExpiresAt) {
		return nil, InvalidGrant("the authorization code has expired")
	}
	if (cd.RedirectExplicit || req.RedirectURI != "") && req.RedirectURI != cd.RedirectURI {
		return nil, InvalidGrant("redirect_uri differs from the authorization request's")
	}
	if err := VerifyPKCE(cd.ChallengeMethod, cd.Challenge, req.CodeVerifier, false); err != nil {
		return nil, err
	}
	sess, err := readSession(g)
	if err != nil {
		return nil, err
	}
	resp, recs, err := p.issue(ctx, c, g, sess, issueOptions{refresh: true, idToken: true, nonce: cd.Nonce}, now)
	if err != nil {
		return nil, err
	}
	if err := p.st.ConsumeToken(ctx, store.AuthorizeCodeKind, key, now, recs...); err != nil {
		return nil, p.consumeErr(err, g, now, "authorization code")
	}
	return resp, nil
}

// refreshTokenGrant rotates a refresh token (RFC 6749 §6, OAuth 2.1 §4.3.1): the old one is
// consumed and a new access and refresh token issued under the same grant. A refresh token
// presented again after its rotation revokes its whole family.
func (p *Provider) refreshTokenGrant(ctx context.Context, c *Client, req TokenRequest) (*TokenResponse, error) {
	kind, sig, err := p.codec.Verify(req.RefreshToken)
	if err != nil || kind != token.RefreshToken {
		return nil, InvalidGrant("the refresh token is not valid")
	}
	key := token.StorageKey(sig)
	rec, g, err := p.st.LookupToken(ctx, store.RefreshTokenKind, key)
	if err != nil {
		return nil, storeErr(err, InvalidGrant("the refresh token is unknown or revoked"))
	}
	now := p.now().UTC()
	if g.ClientID != c.ID {
		return nil, InvalidGrant("the refresh token was issued to another client")
	}
	if !rec.UsedAt.IsZero() {
		return nil, p.replay(ctx, store.RefreshTokenKind, key, g, now, "refresh token")
	}
	if !now.Before(rec.ExpiresAt) {
		return nil, InvalidGrant("the refresh token has expired")
	}
	scopes := g.Scopes
	if req.Scope != "" {
		if scopes, err = ParseScope(req.Scope); err != nil {
			return nil, err
		}
		if !subset(scopes, g.Scopes) {
			return nil, InvalidScope("a refresh may ask only for scopes of the original grant")
		}
		if len(scopes) == 0 {
			scopes = g.Scopes
		}
	}
	sess, err := readSession(g)
	if err != nil {
		return nil, err
	}
	resp, recs, err := p.issue(ctx, c, g, sess, issueOptions{refresh: true, idToken: true, scopes: scopes}, now)
	if err != nil {
		return nil, err
	}
	if err := p.st.ConsumeToken(ctx, store.RefreshTokenKind, key, now, recs...); err != nil {
		return nil, p.consumeErr(err, g, now, "refresh token")
	}
	// The access token issued with the rotated refresh token is retired with it, so that a
	// client holds one live access token per family. Best effort: the new tokens are issued.
	var old accessData
	if json.Unmarshal(rec.Data, &old) == nil && old.AccessKey != "" {
		if err := p.st.RevokeToken(ctx, store.AccessTokenKind, old.AccessKey); err != nil {
			p.log.Warn("oauth2: cannot revoke the access token of a rotated refresh token", "grant_id", g.ID, "error", err)
		} else {
			p.revoked.addToken(old.AccessKey, now)
		}
	}
	return resp, nil
}

// replay handles a one-time token presented after its use: the store's ConsumeToken revokes the
// grant, and this node forgets the grant's cached tokens at once.
func (p *Provider) replay(ctx context.Context, kind store.TokenKind, key string, g *store.Grant, now time.Time, what string) error {
	err := p.st.ConsumeToken(ctx, kind, key, now)
	if err == nil { // cannot happen: the token was read as used; the store disagrees
		return AsError(fault.Bugf("ConsumeToken accepted a used %s", what))
	}
	return p.consumeErr(err, g, now, what)
}

func (p *Provider) consumeErr(err error, g *store.Grant, now time.Time, what string) error {
	switch fault.CodeOf(err) {
	case fault.FailedPrecondition:
		p.revoked.addGrant(g.ID, now)
		p.log.Warn("oauth2: a used one-time token was presented again; its grant is revoked",
			"kind", what, "client_id", g.ClientID, "grant_id", g.ID)
		return InvalidGrant("the %s was used already; every token issued with it is revoked", what).WithCause(err)
	case fault.NotFound:
		return InvalidGrant("the %s is unknown or revoked", what).WithCause(err)
	}
	return AsError(err)
}

func readSession(g *store.Grant) (*grantSession, error) {
	var s grantSession
	if len(g.Session) == 0 {
		return &s, nil
	}
	if err := json.Unmarshal(g.Session, &s); err != nil {
		return nil, AsError(fault.Bugf("unreadable grant session: %v", err))
	}
	return &s, nil
}

type issueOptions struct {
	refresh bool     // issue a refresh token when the client may refresh and offline access was granted
	idToken bool     // issue an ID token when openid was granted to a subject
	nonce   string   // the ID token's nonce
	scopes  []string // the scopes of the new tokens when narrower than the grant's
}

// issue mints the tokens of a response under grant g; the caller stores the records.
func (p *Provider) issue(ctx context.Context, c *Client, g *store.Grant, sess *grantSession, o issueOptions, now time.Time) (*TokenResponse, []*store.TokenRecord, error) {
	scopes := g.Scopes
	var data []byte
	var narrowed []string
	if o.scopes != nil && !slices.Equal(o.scopes, g.Scopes) {
		scopes, narrowed = o.scopes, o.scopes
		data = marshal(accessData{Scopes: scopes})
	}
	exp := now.Add(p.cfg.AccessTokenLifetime)
	if exp.After(g.ExpiresAt) {
		exp = g.ExpiresAt
	}
	resp := &TokenResponse{TokenType: "bearer", ExpiresIn: int(exp.Sub(now).Round(time.Second) / time.Second), Scope: FormatScope(scopes)}
	at := &store.TokenRecord{Kind: store.AccessTokenKind, GrantID: g.ID, IssuedAt: now, ExpiresAt: exp, Data: data}
	if p.jwtAccessTokens(c) {
		jti := randomID()
		tok, err := p.signAccessToken(ctx, c, g, sess, scopes, jti, now, exp)
		if err != nil {
			return nil, nil, err
		}
		resp.AccessToken, at.Key = tok, jwtKey(jti)
	} else {
		tok, sig := p.codec.Mint(token.AccessToken)
		resp.AccessToken, at.Key = tok, token.StorageKey(sig)
	}
	recs := []*store.TokenRecord{at}
	if o.refresh && c.AllowsGrant(GrantRefreshToken) &&
		(slices.Contains(g.Scopes, "offline_access") || slices.Contains(g.Scopes, "offline")) {
		tok, sig := p.codec.Mint(token.RefreshToken)
		resp.RefreshToken = tok
		recs = append(recs, &store.TokenRecord{
			Key: token.StorageKey(sig), Kind: store.RefreshTokenKind, GrantID: g.ID,
			IssuedAt: now, ExpiresAt: g.ExpiresAt, Data: marshal(accessData{Scopes: narrowed, AccessKey: at.Key}),
		})
	}
	if o.idToken && g.Subject != "" && slices.Contains(g.Scopes, "openid") {
		idt, err := p.signIDToken(ctx, c, g, sess, o.nonce, resp.AccessToken, now)
		if err != nil {
			return nil, nil, err
		}
		resp.IDToken = idt
	}
	return resp, recs, nil
}

func (p *Provider) jwtAccessTokens(c *Client) bool {
	switch c.AccessTokenFormat {
	case AccessTokenJWT:
		return true
	case AccessTokenOpaque:
		return false
	}
	return p.cfg.JWTAccessTokens
}

// jwtKey is the store key of a JWT access token, by its jti.
func jwtKey(jti string) string { return token.StorageKey("jwt:" + jti) }
