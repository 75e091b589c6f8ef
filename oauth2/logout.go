package oauth2

import (
	"context"
	"net/url"
	"slices"
)

// Logout serves RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): it ends the
// browser's remembered login and sends the browser to post_logout_redirect_uri (with state),
// to Config.LogoutURL, or to a page.
//
// post_logout_redirect_uri must be registered by the client the id_token_hint was issued to (or
// client_id names), compared exactly; a hint must be an ID token signed by this server (an
// expired one is accepted, as the specification allows). Errors are for the endpoint to show.
func (p *Provider) Logout(ctx context.Context, r BrowserRequest) (*BrowserResult, error) {
	q := r.Params
	clientID := q.Get("client_id")
	if hint := q.Get("id_token_hint"); hint != "" {
		claims, err := p.verifyJWT(ctx, hint, "", false)
		if err != nil {
			return nil, InvalidRequest("id_token_hint is not an ID token of this server").WithCause(err)
		}
		aud, _ := claims.GetAudience()
		if len(aud) != 1 || clientID != "" && aud[0] != clientID {
			return nil, InvalidRequest("id_token_hint was not issued to client_id")
		}
		clientID = aud[0]
	}
	res := &BrowserResult{}
	if target := q.Get("post_logout_redirect_uri"); target != "" {
		if clientID == "" {
			return nil, InvalidRequest("post_logout_redirect_uri needs id_token_hint or client_id")
		}
		c, err := p.GetClient(ctx, clientID)
		if err != nil {
			return nil, storeErr(err, InvalidRequest("client_id names no registered client"))
		}
		if !slices.Contains(c.PostLogoutRedirectURIs, target) {
			return nil, InvalidRequest("post_logout_redirect_uri is not one the client registered")
		}
		params := url.Values{}
		if s := q.Get("state"); s != "" {
			params.Set("state", s)
		}
		res.RedirectTo = withQuery(target, params)
	}
	if v := r.cookie(p.cookieName(LoginSessionCookie)); v != "" && len(v) <= 128 {
		if _, err := p.st.DeleteLoginSessions(ctx, hashHex(v), ""); err != nil {
			return nil, AsError(err)
		}
	}
	res.SetCookies = append(res.SetCookies, p.deleteCookie(LoginSessionCookie))
	if res.RedirectTo == "" {
		res.RedirectTo = p.cfg.LogoutURL
	}
	if res.RedirectTo == "" {
		res.Page = PageLoggedOut
	}
	return res, nil
}

// Discovery is the OpenID Provider metadata (OpenID Connect Discovery 1.0 §3, RFC 8414).
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	DeviceAuthorizationEndpoint       string   `json:"device_authorization_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgs      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	IntrospectionEndpointAuthMethods  []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethods     []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseIssParameter bool     `json:"authorization_response_iss_parameter_supported"`
	BackchannelLogoutSupported        bool     `json:"backchannel_logout_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
}

// Discovery returns the server's metadata: every endpoint, and what each supports.
func (p *Provider) Discovery() Discovery {
	methods := make([]string, len(AuthMethods))
	for i, m := range AuthMethods {
		methods[i] = string(m)
	}
	grants := make([]string, len(GrantTypes))
	for i, g := range GrantTypes {
		grants[i] = string(g)
	}
	confidential := slices.DeleteFunc(slices.Clone(methods), func(m string) bool { return m == string(AuthNone) })
	return Discovery{
		Issuer:                            p.cfg.Issuer,
		AuthorizationEndpoint:             p.endpoint(PathAuthorize),
		TokenEndpoint:                     p.endpoint(PathToken),
		UserinfoEndpoint:                  p.endpoint(PathUserinfo),
		JWKSURI:                           p.endpoint(PathJWKS),
		IntrospectionEndpoint:             p.endpoint(PathIntrospect),
		RevocationEndpoint:                p.endpoint(PathRevoke),
		DeviceAuthorizationEndpoint:       p.endpoint(PathDeviceAuth),
		EndSessionEndpoint:                p.endpoint(PathLogout),
		ScopesSupported:                   []string{"openid", "offline_access"},
		ResponseTypesSupported:            []string{ResponseTypeCode},
		ResponseModesSupported:            []string{ResponseModeQuery},
		GrantTypesSupported:               grants,
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{p.cfg.SigningAlgorithm},
		TokenEndpointAuthMethodsSupported: methods,
		TokenEndpointAuthSigningAlgs:      []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"},
		IntrospectionEndpointAuthMethods:  confidential,
		RevocationEndpointAuthMethods:     methods,
		CodeChallengeMethodsSupported:     []string{PKCES256},
		ClaimsSupported:                   []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "acr", "amr", "azp"},
		AuthorizationResponseIssParameter: true,
	}
}
