package oauth2

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"maps"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wardhq/ward/store"
)

// maxJWTLength bounds the JWTs ward reads (ID token hints, JWT access tokens).
const maxJWTLength = 16 << 10

// accessTokenType is the JWS typ of a JWT access token (RFC 9068 §2.1).
const accessTokenType = "at+jwt"

// sign signs claims with the current signing key.
func (p *Provider) sign(ctx context.Context, claims jwt.MapClaims, typ string) (string, error) {
	ks, err := p.keys.current(ctx, -1)
	if err != nil {
		return "", AsError(err)
	}
	k := ks.signing
	t := jwt.NewWithClaims(k.method, claims)
	t.Header["kid"] = k.id
	if typ != "" {
		t.Header["typ"] = typ
	}
	s, err := t.SignedString(k.priv)
	if err != nil {
		return "", ServerError("cannot sign a token").WithCause(err)
	}
	return s, nil
}

// signIDToken returns an ID token (OpenID Connect Core §2) for the grant's subject.
func (p *Provider) signIDToken(ctx context.Context, c *Client, g *store.Grant, sess *grantSession, nonce, accessToken string, now time.Time) (string, error) {
	claims := jwt.MapClaims{}
	maps.Copy(claims, sess.IDTokenClaims)
	claims["iss"] = p.cfg.Issuer
	claims["sub"] = g.Subject
	claims["aud"] = []string{c.ID}
	claims["azp"] = c.ID
	claims["iat"] = now.Unix()
	claims["exp"] = now.Add(p.cfg.IDTokenLifetime).Unix()
	claims["jti"] = randomID()
	if !g.AuthTime.IsZero() {
		claims["auth_time"] = g.AuthTime.Unix()
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	if accessToken != "" {
		claims["at_hash"] = leftHalfHash(accessToken)
	}
	if sess.SID != "" {
		claims["sid"] = sess.SID
	}
	if sess.ACR != "" {
		claims["acr"] = sess.ACR
	}
	if len(sess.AMR) > 0 {
		claims["amr"] = sess.AMR
	}
	return p.sign(ctx, claims, "")
}

// signAccessToken returns a JWT access token (RFC 9068).
func (p *Provider) signAccessToken(ctx context.Context, c *Client, g *store.Grant, sess *grantSession, scopes []string, jti string, now, exp time.Time) (string, error) {
	claims := jwt.MapClaims{}
	maps.Copy(claims, sess.AccessTokenClaims)
	sub := g.Subject
	if sub == "" {
		sub = c.ID
	}
	claims["iss"] = p.cfg.Issuer
	claims["sub"] = sub
	claims["client_id"] = c.ID
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = exp.Unix()
	claims["jti"] = jti
	claims["scope"] = FormatScope(scopes)
	// RFC 9068 §2.2 requires aud: the granted audiences, or else ward itself (its userinfo and
	// APIs are the resource a token granted no audience is good for).
	claims["aud"] = []string{p.cfg.Issuer}
	if len(g.Audiences) > 0 {
		claims["aud"] = g.Audiences
	}
	if !g.AuthTime.IsZero() {
		claims["auth_time"] = g.AuthTime.Unix()
	}
	return p.sign(ctx, claims, accessTokenType)
}

// leftHalfHash is an at_hash (OpenID Connect Core §3.1.3.6) for ES256 and RS256: the base64url of
// the left half of the SHA-256 of the token.
func leftHalfHash(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return base64.RawURLEncoding.EncodeToString(sum[:sha256.Size/2])
}

// verifyJWT checks a JWT signed by one of ward's published keys and issued by this issuer, of JWS
// type typ ("" for ID tokens). With checkExp false an expired token passes (an id_token_hint).
func (p *Provider) verifyJWT(ctx context.Context, tok, typ string, checkExp bool) (jwt.MapClaims, error) {
	if len(tok) > maxJWTLength {
		return nil, errors.New("the token is too long")
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{"ES256", "RS256"}),
		jwt.WithIssuer(p.cfg.Issuer),
		jwt.WithTimeFunc(p.now),
		jwt.WithLeeway(clockLeeway),
	}
	if !checkExp {
		opts = append(opts, jwt.WithoutClaimsValidation())
	}
	claims := jwt.MapClaims{}
	_, err := jwt.NewParser(opts...).ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		if got, _ := t.Header["typ"].(string); !strings.EqualFold(got, typ) && !(typ == "" && strings.EqualFold(got, "JWT")) {
			return nil, errors.New("wrong JWS typ")
		}
		kid, _ := t.Header["kid"].(string)
		ks, err := p.keys.current(ctx, -1)
		if err != nil {
			return nil, err
		}
		k, ok := ks.byID[kid]
		if !ok { // perhaps a key another node made: reread, but not more than once a second
			if ks, err = p.keys.current(ctx, keyRefreshMin); err != nil {
				return nil, err
			}
			if k, ok = ks.byID[kid]; !ok {
				return nil, errors.New("unknown kid")
			}
		}
		if k.alg != t.Method.Alg() {
			return nil, errors.New("the algorithm does not fit the key")
		}
		return k.priv.Public(), nil
	})
	if err != nil {
		return nil, err
	}
	if !checkExp {
		if iss, _ := claims["iss"].(string); iss != p.cfg.Issuer {
			return nil, errors.New("another issuer")
		}
	}
	return claims, nil
}
