package oauth2

import (
	"context"
	"slices"
	"strings"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// Revoke revokes a token (RFC 7009). clientID is the authenticated client's ID: only a token issued
// to it is revoked, and another client's token is refused with unauthorized_client; "" (the admin
// API) revokes whoever holds it. Revoking a refresh token revokes its whole grant, access tokens
// included (RFC 7009 §2.1); revoking an access token revokes that token. An invalid, unknown or
// expired token is not an error. The revocation is seen at once by this Provider's Introspect.
func (p *Provider) Revoke(ctx context.Context, tok, clientID string) error {
	var kind store.TokenKind
	var key string
	if len(tok) == token.Length && strings.HasPrefix(tok, "ward_") {
		k, sig, err := p.codec.Verify(tok)
		if err != nil {
			return nil
		}
		switch k {
		case token.AccessToken:
			kind = store.AccessTokenKind
		case token.RefreshToken:
			kind = store.RefreshTokenKind
		default:
			return nil
		}
		key = token.StorageKey(sig)
	} else if strings.Count(tok, ".") == 2 {
		claims, err := p.verifyJWT(ctx, tok, accessTokenType, false)
		if err != nil {
			return nil
		}
		jti, _ := claims["jti"].(string)
		if jti == "" {
			return nil
		}
		kind, key = store.AccessTokenKind, jwtKey(jti)
	} else {
		return nil
	}
	_, g, err := p.st.LookupToken(ctx, kind, key)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil
	case err != nil:
		return AsError(err)
	case clientID != "" && g.ClientID != clientID:
		return UnauthorizedClient("the token was not issued to this client")
	}
	now := p.now()
	if kind == store.RefreshTokenKind {
		if err := p.st.RevokeGrant(ctx, g.ID); err != nil {
			return AsError(err)
		}
		p.revoked.addGrant(g.ID, now)
		return nil
	}
	if err := p.st.RevokeToken(ctx, kind, key); err != nil {
		return AsError(err)
	}
	p.revoked.addToken(key, now)
	return nil
}

// Userinfo returns the claims of the userinfo endpoint (OpenID Connect Core §5.3) for an access
// token that is active and was granted the openid scope: sub, and the consent app's ID token
// claims. The error is an *Error whose code is invalid_token or insufficient_scope (RFC 6750 §3.1)
// for the endpoint to put in WWW-Authenticate.
func (p *Provider) Userinfo(ctx context.Context, accessToken string) (map[string]any, error) {
	in, err := p.Introspect(ctx, accessToken)
	if err != nil {
		return nil, AsError(err)
	}
	if !in.Active || in.TokenType != store.AccessTokenKind.String() {
		return nil, &Error{Code: "invalid_token", Status: 401, Description: "the access token is not active"}
	}
	if !slices.Contains(in.Scopes, "openid") || in.Subject == in.ClientID && in.AuthTime.IsZero() {
		return nil, &Error{Code: "insufficient_scope", Status: 403, Description: "the token was not granted the openid scope"}
	}
	key, err := p.accessKey(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	_, g, err := p.st.LookupToken(ctx, store.AccessTokenKind, key)
	if err != nil {
		return nil, storeErr(err, &Error{Code: "invalid_token", Status: 401, Description: "the access token is not active"})
	}
	sess, err := readSession(g)
	if err != nil {
		return nil, err
	}
	claims := map[string]any{}
	for k, v := range sess.IDTokenClaims {
		claims[k] = v
	}
	claims["sub"] = g.Subject
	return claims, nil
}

// accessKey returns the store key of an access token that Introspect found active.
func (p *Provider) accessKey(ctx context.Context, tok string) (string, error) {
	if _, sig, err := p.codec.Verify(tok); err == nil {
		return token.StorageKey(sig), nil
	}
	claims, err := p.verifyJWT(ctx, tok, accessTokenType, true)
	if err != nil {
		return "", &Error{Code: "invalid_token", Status: 401, Description: "the access token is not active"}
	}
	jti, _ := claims["jti"].(string)
	return jwtKey(jti), nil
}
