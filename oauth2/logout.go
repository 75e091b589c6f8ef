package oauth2

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Logout serves RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2): it ends the
// browser's remembered login and sends the browser to post_logout_redirect_uri (with state),
// to Config.LogoutURL, or to a page.
//
// post_logout_redirect_uri must be registered by the client the id_token_hint was issued to (or
// client_id names), compared exactly; a hint must be an ID token signed by this server (an
// expired one is accepted, as the specification allows). Errors are for the endpoint to show.
//
// A request that cannot show it comes from the session's user — no hint, or a hint for another
// subject — ends nothing at once: any site can send a browser here with a top-level GET (a link,
// a redirect, a meta refresh), which carries the SameSite=Lax session cookie, so the user is asked (§2, "the OP SHOULD ask the End-User whether to log out") with a
// page whose form POSTs back a confirmation ([PageLogoutConfirm]). The confirmation is bound to
// the request's parameters, to a random flow ID in a short-lived cookie of this browser, and to
// the session it ends, so that it is single use: the session it names is gone once it is used.
func (p *Provider) Logout(ctx context.Context, r BrowserRequest) (*BrowserResult, error) {
	q := r.Params
	clientID := q.Get("client_id")
	hintSubject := ""
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
		hintSubject, _ = claims.GetSubject()
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
	sessionCookie := r.cookie(p.cookieName(LoginSessionCookie))
	now := p.now()
	if s := p.rememberedLogin(ctx, r, now); s != nil && (hintSubject == "" || hintSubject != s.Subject) {
		if !q.Has(LogoutConfirmParam) {
			return p.askLogout(q, sessionCookie, now), nil
		}
		if err := p.checkLogoutConfirmation(r, sessionCookie, now); err != nil {
			return nil, err
		}
		if q.Get(LogoutChoiceParam) != LogoutChoiceYes {
			return &BrowserResult{Page: PageLogoutCancelled, SetCookies: []*http.Cookie{p.deleteCookie(logoutCookie)}}, nil
		}
	}
	// The cookie is deleted only when the request carried it: a cross-site POST comes without
	// the SameSite=Lax session cookie, yet a top-level navigation may still delete it.
	if sessionCookie != "" {
		if len(sessionCookie) <= 128 {
			if _, err := p.st.DeleteLoginSessions(ctx, hashHex(sessionCookie), ""); err != nil {
				return nil, AsError(err)
			}
		}
		res.SetCookies = append(res.SetCookies, p.deleteCookie(LoginSessionCookie))
	}
	if r.cookie(p.cookieName(logoutCookie)) != "" {
		res.SetCookies = append(res.SetCookies, p.deleteCookie(logoutCookie))
	}
	if res.RedirectTo == "" {
		res.RedirectTo = p.cfg.LogoutURL
	}
	if res.RedirectTo == "" {
		res.Page = PageLoggedOut
	}
	return res, nil
}

// The logout confirmation form's parameters.
const (
	// LogoutConfirmParam carries the confirmation token the form POSTs back.
	LogoutConfirmParam = "logout_confirm"
	// LogoutChoiceParam is the user's answer: [LogoutChoiceYes] ends the session, anything else
	// (the form's "Stay logged in" sends "no") leaves it.
	LogoutChoiceParam = "logout_choice"
	// LogoutChoiceYes is the answer that ends the session.
	LogoutChoiceYes = "yes"
)

// logoutCookie holds the random ID of a pending logout confirmation: the token in the form is
// worthless in a browser that lacks it. SameSite=Lax keeps it off a cross-site POST, too.
const logoutCookie = "ward_oauth2_logout"

// LogoutConfirmLifetime is how long a logout confirmation page stays valid.
const LogoutConfirmLifetime = 10 * time.Minute

// logoutBoundParams are the parameters of a logout request the confirmation repeats and binds:
// the POST must carry exactly those the page was shown for.
var logoutBoundParams = [...]string{"id_token_hint", "client_id", "post_logout_redirect_uri", "state"}

// askLogout answers a logout the user must confirm: the confirmation page, and the cookie that
// binds its token to this browser.
func (p *Provider) askLogout(q url.Values, sessionCookie string, now time.Time) *BrowserResult {
	flowID := randomID()
	exp := strconv.FormatInt(now.Add(LogoutConfirmLifetime).Unix(), 10)
	form := url.Values{}
	for _, k := range logoutBoundParams {
		if q.Has(k) {
			form.Set(k, q.Get(k))
		}
	}
	form.Set(LogoutConfirmParam, exp+"."+p.logoutMAC(p.cfg.TokenSecrets[0], flowID, sessionCookie, exp, form))
	return &BrowserResult{
		Page:       PageLogoutConfirm,
		Form:       form,
		SetCookies: []*http.Cookie{p.newCookie(logoutCookie, flowID, int(LogoutConfirmLifetime/time.Second), time.Time{})},
	}
}

// checkLogoutConfirmation accepts r's confirmation token when it is a POST from the browser the
// page was shown to, for this session and these parameters, within its lifetime.
func (p *Provider) checkLogoutConfirmation(r BrowserRequest, sessionCookie string, now time.Time) error {
	refused := func(why string) error {
		return InvalidRequest("the logout confirmation %s; nothing was logged out", why)
	}
	if r.Method != http.MethodPost {
		return refused("must be POSTed by the confirmation form")
	}
	flowID := r.cookie(p.cookieName(logoutCookie))
	if flowID == "" || len(flowID) > 128 {
		return refused("comes without its cookie (from another browser, or expired)")
	}
	exp, mac, ok := strings.Cut(r.Params.Get(LogoutConfirmParam), ".")
	expUnix, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil {
		return refused("is malformed")
	}
	if !now.Before(time.Unix(expUnix, 0)) {
		return refused("expired")
	}
	bound := url.Values{}
	for _, k := range logoutBoundParams {
		if r.Params.Has(k) {
			bound.Set(k, r.Params.Get(k))
		}
	}
	for _, secret := range p.cfg.TokenSecrets {
		if subtle.ConstantTimeCompare([]byte(mac), []byte(p.logoutMAC(secret, flowID, sessionCookie, exp, bound))) == 1 {
			return nil
		}
	}
	return refused("is not valid for this browser, session and request")
}

// logoutMAC is the HMAC that binds a logout confirmation to its flow ID, the session (by the
// hash of its cookie), its expiry and the request's parameters.
func (p *Provider) logoutMAC(secret []byte, flowID, sessionCookie, exp string, bound url.Values) string {
	m := hmac.New(sha256.New, secret)
	for _, part := range []string{"ward logout confirmation", flowID, hashHex(sessionCookie), exp, bound.Encode()} {
		m.Write([]byte(part))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
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
