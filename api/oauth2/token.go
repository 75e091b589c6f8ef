package oauth2

import (
	"net/http"
	"strings"

	"github.com/wardhq/ward/oauth2"
)

// authenticate reads a form request and authenticates its client. basic reports whether the
// client tried HTTP Basic, for the WWW-Authenticate header of a refusal.
func (h *Handler) authenticate(r *http.Request) (c *oauth2.Client, form map[string][]string, basic bool, err error) {
	basic = strings.HasPrefix(strings.ToLower(r.Header.Get("Authorization")), "basic ")
	f, err := readOAuth2Form(r.Header.Get("Content-Type"), r.Body)
	if err != nil {
		return nil, nil, basic, err
	}
	cred, err := clientCredentials(r.Header.Get("Authorization"), f)
	if err != nil {
		return nil, nil, basic, err
	}
	cred.Source = h.proxies.ClientAddr(r)
	c, err = h.p.AuthenticateClient(r.Context(), cred)
	return c, f, basic, err
}

// token serves the token endpoint (RFC 6749 §3.2).
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	c, form, basic, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	req := oauth2.TokenRequest{
		GrantType:    oauth2.GrantType(get("grant_type")),
		Code:         get("code"),
		RedirectURI:  get("redirect_uri"),
		CodeVerifier: get("code_verifier"),
		RefreshToken: get("refresh_token"),
		DeviceCode:   get("device_code"),
		Scope:        get("scope"),
		Audience:     form["audience"],
	}
	if req.GrantType == "" {
		h.writeError(w, r, oauth2.InvalidRequest("grant_type is missing"), basic)
		return
	}
	resp, err := h.p.Token(r.Context(), c, req)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// introspectionResponse is RFC 7662 §2.2's.
type introspectionResponse struct {
	Active    bool           `json:"active"`
	Scope     string         `json:"scope,omitempty"`
	ClientID  string         `json:"client_id,omitempty"`
	Subject   string         `json:"sub,omitempty"`
	TokenType string         `json:"token_type,omitempty"` // "Bearer" for an access token (RFC 6749 §7.1)
	TokenUse  string         `json:"token_use,omitempty"`  // access_token or refresh_token, as Hydra says it
	Exp       int64          `json:"exp,omitempty"`
	Iat       int64          `json:"iat,omitempty"`
	Nbf       int64          `json:"nbf,omitempty"`
	Audience  []string       `json:"aud,omitempty"`
	Issuer    string         `json:"iss,omitempty"`
	AuthTime  int64          `json:"auth_time,omitempty"`
	Ext       map[string]any `json:"ext,omitempty"`
}

// introspect serves the introspection endpoint (RFC 7662). The caller must authenticate as a
// confidential client: introspection tells what a token grants, which is not for anyone to ask.
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) {
	c, form, basic, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	if c.Public() {
		h.writeError(w, r, oauth2.InvalidClient("a public client cannot introspect tokens"), basic)
		return
	}
	tok := ""
	if v := form["token"]; len(v) > 0 {
		tok = v[0]
	}
	if tok == "" {
		h.writeError(w, r, oauth2.InvalidRequest("token is missing"), basic)
		return
	}
	in, err := h.p.Introspect(r.Context(), tok)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	resp := introspectionResponse{Active: in.Active && h.p.MayIntrospect(c, in)}
	if resp.Active {
		resp = introspectionResponse{
			Active: true, Scope: oauth2.FormatScope(in.Scopes), ClientID: in.ClientID, Subject: in.Subject,
			TokenUse: in.TokenType, Exp: in.ExpiresAt.Unix(), Iat: in.IssuedAt.Unix(), Nbf: in.IssuedAt.Unix(),
			Audience: in.Audiences, Issuer: in.Issuer, AuthTime: unixOrZero(in.AuthTime), Ext: in.Extra,
		}
		if in.TokenType == "access_token" {
			resp.TokenType = "Bearer"
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

// revoke serves the revocation endpoint (RFC 7009): 200 whether or not the token was known.
func (h *Handler) revoke(w http.ResponseWriter, r *http.Request) {
	c, form, basic, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	tok := ""
	if v := form["token"]; len(v) > 0 {
		tok = v[0]
	}
	if tok == "" {
		h.writeError(w, r, oauth2.InvalidRequest("token is missing"), basic)
		return
	}
	if err := h.p.Revoke(r.Context(), tok, c.ID); err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// deviceAuth serves the device authorization endpoint (RFC 8628 §3.1).
func (h *Handler) deviceAuth(w http.ResponseWriter, r *http.Request) {
	c, form, basic, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	scope := ""
	if v := form["scope"]; len(v) > 0 {
		scope = v[0]
	}
	resp, err := h.p.DeviceAuthorize(r.Context(), c, scope, form["audience"])
	if err != nil {
		h.writeError(w, r, err, basic)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}
