package oauth2

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/oauth2/token"
	"github.com/wardhq/ward/store"
)

// flowCookie is the prefix of the cookie that binds a login-and-consent flow to the browser that
// started it, so that a verifier leaked from one browser cannot finish the flow in another.
const flowCookie = "ward_oauth2_flow_"

// BrowserRequest is a browser's request to the authorization or device verification endpoint:
// its query (or form) parameters and its cookies.
type BrowserRequest struct {
	Method  string // the HTTP method; a logout confirmation must be a POST
	Params  url.Values
	Cookies []*http.Cookie
}

func (r BrowserRequest) cookie(name string) string {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// Page is a page the endpoint shows instead of redirecting.
type Page uint8

// The pages of the browser endpoints.
const (
	PageNone            Page = iota
	PageUserCodeForm         // the device verification endpoint asks for the user code
	PageDeviceApproved       // the device was approved; the user may return to it
	PageDeviceDenied         // the device was denied
	PageLoggedOut            // RP-initiated logout finished
	PageLogoutConfirm        // RP-initiated logout asks the user to confirm, with a form of BrowserResult.Form
	PageLogoutCancelled      // the user chose to stay logged in
)

// BrowserResult is what a browser endpoint answers: a redirect (RedirectTo) or a page, with
// cookies to set (a cookie with MaxAge < 0 is to be deleted).
type BrowserResult struct {
	RedirectTo string
	Page       Page
	// Form is the hidden fields of the form PageLogoutConfirm holds, POSTed back to PathLogout.
	Form       url.Values
	SetCookies []*http.Cookie
}

// OIDCContext is what an authorization request asked of the login and consent apps (OpenID
// Connect Core §3.1.2.1).
type OIDCContext struct {
	Prompt    []string // none, login, consent, select_account
	MaxAge    int      // -1 when absent
	LoginHint string
	ACRValues []string
	UILocales []string
	Display   string
}

// LoginRequest is a pending login, as the login app sees it ([Provider.GetLoginRequest]).
type LoginRequest struct {
	Challenge string
	Client    *Client
	// Skip is true when the browser holds a remembered login: the app should accept with Subject
	// without asking the user again.
	Skip               bool
	Subject            string // the remembered subject when Skip
	SessionID          string // the login session's public ID ("sid"), or ""
	RequestedScopes    []string
	RequestedAudiences []string
	OIDC               OIDCContext
	RequestURL         string // the authorization request as the browser sent it
	Device             bool   // the flow approves a device (RFC 8628) rather than a redirect-based client
}

// LoginAcceptance is the login app's acceptance of a login.
type LoginAcceptance struct {
	Subject string // required; when the request was Skip, the remembered subject
	// Remember makes the browser remember the login for RememberFor (default and maximum:
	// Config.LoginSessionLifetime), so that later flows skip the login app.
	Remember    bool
	RememberFor time.Duration
	ACR         string
	AMR         []string
	// AuthTime is when the user authenticated, for the auth_time claim; default now. A login app
	// that accepts for a session the user started earlier gives that session's time, so that
	// max_age is measured from the authentication, not from this acceptance.
	AuthTime time.Time
	// Fresh says that the user authenticated in this very login (not by a session from before):
	// a remembered login of the browser, of this subject or another, is replaced by this one
	// rather than reused.
	Fresh bool
}

// ConsentRequest is a pending consent, as the consent app sees it ([Provider.GetConsentRequest]).
type ConsentRequest struct {
	Challenge string
	Client    *Client
	Subject   string
	// Skip is true when the subject consented to these scopes for this client before and the
	// consent is remembered: the app should accept without asking. It is never set for a device
	// flow, whose user must confirm that the device is theirs (RFC 8628 §5.4).
	Skip               bool
	RequestedScopes    []string
	RequestedAudiences []string
	OIDC               OIDCContext
	ACR                string
	AMR                []string
	SessionID          string
	Device             bool
}

// ConsentAcceptance is the consent app's acceptance: what is granted.
type ConsentAcceptance struct {
	GrantScopes    []string // a subset of the requested scopes
	GrantAudiences []string // a subset of the requested audiences
	// Remember makes later flows of this subject and client skip the consent app while they ask
	// for no more than GrantScopes, for RememberFor (0: until withdrawn).
	Remember    bool
	RememberFor time.Duration
	// IDTokenClaims are added to ID tokens and the userinfo response; AccessTokenClaims to JWT
	// access tokens and introspection (as "ext"). Registered claim names are refused.
	IDTokenClaims     map[string]any
	AccessTokenClaims map[string]any
}

// Rejection is a login or consent app's refusal, sent to the client as an error response.
type Rejection struct {
	Code        ErrorCode // default access_denied
	Description string
}

// flowData is AuthFlow.Data: the authorization request and what the apps accepted.
type flowData struct {
	Device        bool   `json:"device,omitempty"`
	DeviceCodeKey string `json:"device_code_key,omitempty"`

	RedirectURI      string      `json:"redirect_uri,omitempty"`
	RedirectExplicit bool        `json:"redirect_explicit,omitempty"`
	State            string      `json:"state,omitempty"`
	Nonce            string      `json:"nonce,omitempty"`
	Challenge        string      `json:"code_challenge,omitempty"`
	ChallengeMethod  string      `json:"code_challenge_method,omitempty"`
	Scopes           []string    `json:"scopes,omitempty"`
	Audiences        []string    `json:"audiences,omitempty"`
	OIDC             OIDCContext `json:"oidc"`
	RequestURL       string      `json:"request_url,omitempty"`
	BrowserKey       string      `json:"browser_key"` // SHA-256 of the flow cookie's value

	LoginSkip       bool      `json:"login_skip,omitempty"`
	SessionSubject  string    `json:"session_subject,omitempty"`
	SessionID       string    `json:"session_id,omitempty"`
	SessionAuthTime time.Time `json:"session_auth_time"`
	Remember        bool      `json:"remember,omitempty"`
	RememberFor     int64     `json:"remember_for,omitempty"` // seconds
	ACR             string    `json:"acr,omitempty"`
	AMR             []string  `json:"amr,omitempty"`
	AuthTime        time.Time `json:"auth_time"`

	ConsentSkip        bool           `json:"consent_skip,omitempty"`
	GrantedScopes      []string       `json:"granted_scopes,omitempty"`
	GrantedAudiences   []string       `json:"granted_audiences,omitempty"`
	RememberConsent    bool           `json:"remember_consent,omitempty"`
	RememberConsentFor int64          `json:"remember_consent_for,omitempty"`
	IDTokenClaims      map[string]any `json:"id_token_claims,omitempty"`
	AccessTokenClaims  map[string]any `json:"access_token_claims,omitempty"`
}

// grantSession is Grant.Session: what ID tokens, JWT access tokens and userinfo need.
type grantSession struct {
	SID               string         `json:"sid,omitempty"`
	ACR               string         `json:"acr,omitempty"`
	AMR               []string       `json:"amr,omitempty"`
	IDTokenClaims     map[string]any `json:"id_token_claims,omitempty"`
	AccessTokenClaims map[string]any `json:"access_token_claims,omitempty"`
}

// codeData is the TokenRecord.Data of an authorization code.
type codeData struct {
	RedirectURI      string `json:"redirect_uri"`
	RedirectExplicit bool   `json:"redirect_explicit,omitempty"`
	Challenge        string `json:"code_challenge,omitempty"`
	ChallengeMethod  string `json:"code_challenge_method,omitempty"`
	Nonce            string `json:"nonce,omitempty"`
}

// reservedClaims may not be set by the consent app: they are the server's.
var reservedClaims = []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "auth_time", "nonce",
	"at_hash", "c_hash", "sid", "acr", "amr", "azp", "scope", "client_id", "token_type", "active", "ext"}

// Authorize serves the authorization endpoint (RFC 6749 §4.1.1, OpenID Connect Core §3.1.2):
// a new authorization request, or the browser's return from the login app (login_verifier) or
// the consent app (consent_verifier).
//
// A new request is validated — the client, the redirect URI (exact match), response_type=code,
// scopes, audiences, PKCE (S256; required of public clients) — and the browser is sent to the
// login app with a login_challenge. When the error is returned, the request could not be tied to
// a verified redirect URI: the endpoint must show the error, not redirect. Errors after that travel
// to the client in the redirect (RedirectTo with error and state).
func (p *Provider) Authorize(ctx context.Context, r BrowserRequest) (*BrowserResult, error) {
	switch {
	case r.Params.Has("login_verifier"):
		return p.afterLogin(ctx, r, PathAuthorize)
	case r.Params.Has("consent_verifier"):
		return p.afterConsent(ctx, r, PathAuthorize)
	}
	q := r.Params
	if err := checkAuthorizeBounds(q); err != nil {
		return nil, err
	}
	for _, name := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "nonce",
		"code_challenge", "code_challenge_method", "prompt", "max_age", "audience"} {
		if len(q[name]) > 1 {
			return nil, InvalidRequest("%s is repeated", name)
		}
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, InvalidRequest("client_id is missing")
	}
	c, err := p.GetClient(ctx, clientID)
	if err != nil {
		return nil, storeErr(err, InvalidRequest("client_id names no registered client"))
	}
	redirectURI, err := c.ResolveRedirectURI(q.Get("redirect_uri"))
	if err != nil {
		return nil, err
	}
	fd := &flowData{RedirectURI: redirectURI, RedirectExplicit: q.Has("redirect_uri"), State: q.Get("state")}
	fail := func(e *Error) (*BrowserResult, error) { return p.redirectError(fd, e), nil }
	if len(fd.State) > 1024 {
		fd.State = ""
		return fail(InvalidRequest("state is longer than 1024 bytes"))
	}
	if e := checkUnsupportedParams(q); e != nil {
		return fail(e)
	}
	if rt := q.Get("response_type"); rt != ResponseTypeCode {
		return fail(UnsupportedResponseType("response_type must be %q", ResponseTypeCode))
	}
	if !c.AllowsGrant(GrantAuthorizationCode) {
		return fail(UnauthorizedClient("the client may not use the authorization code grant"))
	}
	if fd.Scopes, err = ParseScope(q.Get("scope")); err != nil {
		return fail(AsError(err))
	}
	if err := CheckScopes(fd.Scopes, c.Scopes); err != nil {
		return fail(AsError(err))
	}
	if fd.Audiences, err = parseAudiences(q["audience"], c); err != nil {
		return fail(AsError(err))
	}
	fd.ChallengeMethod, fd.Challenge = q.Get("code_challenge_method"), q.Get("code_challenge")
	if fd.Challenge != "" || fd.ChallengeMethod != "" || c.Public() || p.cfg.RequirePKCE {
		if fd.Challenge == "" && c.Public() {
			return fail(InvalidRequest("a public client must use PKCE: code_challenge is missing"))
		}
		if fd.Challenge == "" {
			return fail(InvalidRequest("this server requires PKCE of every client: code_challenge is missing"))
		}
		if err := ValidateChallenge(fd.ChallengeMethod, fd.Challenge, false); err != nil {
			return fail(AsError(err))
		}
		if fd.ChallengeMethod == "" {
			fd.ChallengeMethod = PKCES256
		}
	}
	fd.Nonce = q.Get("nonce")
	if len(fd.Nonce) > 1024 {
		return fail(InvalidRequest("nonce is longer than 1024 bytes"))
	}
	if fd.OIDC, err = parseOIDCContext(q); err != nil {
		return fail(AsError(err))
	}
	fd.RequestURL = p.endpoint(PathAuthorize) + "?" + knownAuthorizeParams(q).Encode() // bounded: see authorize_bounds.go
	return p.startFlow(ctx, r, c, fd, fail)
}

// startFlow stores a new flow and sends the browser to the login app.
func (p *Provider) startFlow(ctx context.Context, r BrowserRequest, c *Client, fd *flowData,
	fail func(*Error) (*BrowserResult, error)) (*BrowserResult, error) {
	now := p.now().UTC()
	if sess := p.rememberedLogin(ctx, r, now); sess != nil {
		fresh := fd.OIDC.MaxAge < 0 || now.Sub(sess.AuthenticatedAt) <= time.Duration(fd.OIDC.MaxAge)*time.Second
		if fresh && !slices.Contains(fd.OIDC.Prompt, "login") {
			fd.LoginSkip, fd.SessionSubject, fd.SessionAuthTime = true, sess.Subject, sess.AuthenticatedAt
		}
		fd.SessionID = sess.ID
	}
	if slices.Contains(fd.OIDC.Prompt, "none") && !fd.LoginSkip {
		return fail(&Error{Code: "login_required", Status: http.StatusBadRequest,
			Description: "prompt=none, but the browser holds no usable login session"})
	}
	browserSecret := randomID()
	fd.BrowserKey = hashHex(browserSecret)
	f := &store.AuthFlow{
		ID:             randomID(),
		LoginChallenge: randomID(),
		ClientID:       c.ID,
		State:          store.FlowLoginRequested,
		CreatedAt:      now,
		ExpiresAt:      now.Add(p.cfg.FlowLifetime),
		Data:           marshal(fd),
	}
	if err := p.st.CreateFlow(ctx, f); err != nil {
		return nil, AsError(err)
	}
	return &BrowserResult{
		RedirectTo: withQuery(p.cfg.LoginURL, url.Values{"login_challenge": {f.LoginChallenge}}),
		SetCookies: []*http.Cookie{p.flowCookie(f, browserSecret)},
	}, nil
}

func (p *Provider) flowCookie(f *store.AuthFlow, value string) *http.Cookie {
	return p.newCookie(flowCookie+f.ID[:12], value, int(p.cfg.FlowLifetime/time.Second), time.Time{})
}

// rememberedLogin returns the browser's login session, or nil.
func (p *Provider) rememberedLogin(ctx context.Context, r BrowserRequest, now time.Time) *store.LoginSession {
	v := r.cookie(p.cookieName(LoginSessionCookie))
	if v == "" || len(v) > 128 {
		return nil
	}
	s, err := p.st.GetLoginSession(ctx, hashHex(v))
	if err != nil || !now.Before(s.ExpiresAt) {
		return nil
	}
	return s
}

// loadFlow returns the flow with this handle, in state want and not expired; NotFound otherwise.
func (p *Provider) loadFlow(ctx context.Context, key store.FlowKey, value string, want store.FlowState) (*store.AuthFlow, *flowData, error) {
	if value == "" || len(value) > 128 {
		return nil, nil, fault.New(fault.NotFound, "no such flow")
	}
	f, err := p.st.GetFlow(ctx, key, value)
	if err != nil {
		return nil, nil, err
	}
	if f.State != want {
		return nil, nil, fault.New(fault.FailedPrecondition, "the flow is %s, not %s", f.State, want)
	}
	if !p.now().Before(f.ExpiresAt) {
		return nil, nil, fault.New(fault.NotFound, "the flow expired")
	}
	var fd flowData
	if err := json.Unmarshal(f.Data, &fd); err != nil {
		return nil, nil, fault.Bugf("unreadable flow data: %v", err)
	}
	return f, &fd, nil
}

// GetLoginRequest returns the login request of a login_challenge. NotFound when there is none or
// it expired, FailedPrecondition when it was answered already.
func (p *Provider) GetLoginRequest(ctx context.Context, challenge string) (*LoginRequest, error) {
	f, fd, err := p.loadFlow(ctx, store.ByLoginChallenge, challenge, store.FlowLoginRequested)
	if err != nil {
		return nil, err
	}
	c, err := p.GetClient(ctx, f.ClientID)
	if err != nil {
		return nil, err
	}
	return &LoginRequest{
		Challenge: challenge, Client: c, Skip: fd.LoginSkip, Subject: fd.SessionSubject,
		SessionID: fd.SessionID, RequestedScopes: fd.Scopes, RequestedAudiences: fd.Audiences,
		OIDC: fd.OIDC, RequestURL: fd.RequestURL, Device: fd.Device,
	}, nil
}

// AcceptLogin accepts a login and returns the URL to send the browser to next (back to ward,
// with a login_verifier). InvalidArgument for a missing subject or, when the request was Skip, a
// subject other than the remembered one; NotFound or FailedPrecondition as GetLoginRequest.
func (p *Provider) AcceptLogin(ctx context.Context, challenge string, a LoginAcceptance) (string, error) {
	f, fd, err := p.loadFlow(ctx, store.ByLoginChallenge, challenge, store.FlowLoginRequested)
	if err != nil {
		return "", err
	}
	switch {
	case a.Subject == "":
		return "", fault.Invalid("subject", "the subject is required")
	case len(a.Subject) > 255:
		return "", fault.Invalid("subject", "the subject is longer than 255 bytes")
	case fd.LoginSkip && a.Subject != fd.SessionSubject && !a.Fresh:
		return "", fault.Invalid("subject", "the browser's remembered login is of another subject")
	case a.RememberFor < 0:
		return "", fault.Invalid("remember_for", "must not be negative")
	case a.AuthTime.After(p.now().Add(clockLeeway)):
		return "", fault.Invalid("auth_time", "the authentication time is in the future")
	}
	if a.Fresh {
		fd.LoginSkip = false
	}
	now := p.now().UTC()
	fd.Remember, fd.ACR, fd.AMR = a.Remember && !fd.LoginSkip, a.ACR, a.AMR
	rememberFor := min(a.RememberFor, p.cfg.LoginSessionLifetime)
	if rememberFor == 0 {
		rememberFor = p.cfg.LoginSessionLifetime
	}
	fd.RememberFor = int64(rememberFor / time.Second)
	fd.AuthTime = now
	if !a.AuthTime.IsZero() {
		fd.AuthTime = a.AuthTime.UTC()
	}
	if fd.LoginSkip {
		fd.AuthTime = fd.SessionAuthTime
	}
	f.Subject = a.Subject
	f.LoginVerifier = randomID()
	f.State = store.FlowLoginAccepted
	f.Data = marshal(fd)
	if err := p.st.UpdateFlow(ctx, f, store.FlowLoginRequested); err != nil {
		return "", err
	}
	return withQuery(p.endpoint(returnPath(fd)), url.Values{"login_verifier": {f.LoginVerifier}}), nil
}

// RejectLogin rejects a login and returns the URL to send the browser to: the client's redirect
// URI with the error, or, for a device, the page that says it was denied.
func (p *Provider) RejectLogin(ctx context.Context, challenge string, r Rejection) (string, error) {
	f, fd, err := p.loadFlow(ctx, store.ByLoginChallenge, challenge, store.FlowLoginRequested)
	if err != nil {
		return "", err
	}
	return p.reject(ctx, f, fd, store.FlowLoginRequested, r)
}

// GetConsentRequest returns the consent request of a consent_challenge. NotFound when there is
// none or it expired, FailedPrecondition when it was answered already.
func (p *Provider) GetConsentRequest(ctx context.Context, challenge string) (*ConsentRequest, error) {
	f, fd, err := p.loadFlow(ctx, store.ByConsentChallenge, challenge, store.FlowConsentRequested)
	if err != nil {
		return nil, err
	}
	c, err := p.GetClient(ctx, f.ClientID)
	if err != nil {
		return nil, err
	}
	return &ConsentRequest{
		Challenge: challenge, Client: c, Subject: f.Subject, Skip: fd.ConsentSkip,
		RequestedScopes: fd.Scopes, RequestedAudiences: fd.Audiences, OIDC: fd.OIDC,
		ACR: fd.ACR, AMR: fd.AMR, SessionID: fd.SessionID, Device: fd.Device,
	}, nil
}

// AcceptConsent accepts a consent and returns the URL to send the browser to next (back to ward,
// with a consent_verifier). InvalidArgument when it grants a scope or audience that was not
// requested, or sets a reserved claim.
func (p *Provider) AcceptConsent(ctx context.Context, challenge string, a ConsentAcceptance) (string, error) {
	f, fd, err := p.loadFlow(ctx, store.ByConsentChallenge, challenge, store.FlowConsentRequested)
	if err != nil {
		return "", err
	}
	if err := checkConsent(fd, a); err != nil {
		return "", err
	}
	fd.GrantedScopes, fd.GrantedAudiences = slices.Clone(a.GrantScopes), slices.Clone(a.GrantAudiences)
	fd.RememberConsent, fd.RememberConsentFor = a.Remember, int64(a.RememberFor/time.Second)
	fd.IDTokenClaims, fd.AccessTokenClaims = a.IDTokenClaims, a.AccessTokenClaims
	f.ConsentVerifier = randomID()
	f.State = store.FlowConsentAccepted
	f.Data = marshal(fd)
	if err := p.st.UpdateFlow(ctx, f, store.FlowConsentRequested); err != nil {
		return "", err
	}
	return withQuery(p.endpoint(returnPath(fd)), url.Values{"consent_verifier": {f.ConsentVerifier}}), nil
}

// checkConsent checks what a consent grants against what fd requested.
func checkConsent(fd *flowData, a ConsentAcceptance) error {
	for i, s := range a.GrantScopes {
		if !slices.Contains(fd.Scopes, s) {
			return fault.Invalid("grant_scopes["+strconv.Itoa(i)+"]", "scope %q was not requested", truncate(s))
		}
	}
	for i, s := range a.GrantAudiences {
		if !slices.Contains(fd.Audiences, s) {
			return fault.Invalid("grant_audiences["+strconv.Itoa(i)+"]", "audience %q was not requested", truncate(s))
		}
	}
	for field, claims := range map[string]map[string]any{"id_token_claims": a.IDTokenClaims, "access_token_claims": a.AccessTokenClaims} {
		for k := range claims {
			if slices.Contains(reservedClaims, k) {
				return fault.Invalid(field+"."+k, "claim %q is the server's", k)
			}
		}
		if _, err := json.Marshal(claims); err != nil {
			return fault.Invalid(field, "the claims are not JSON: %v", err)
		}
	}
	if a.RememberFor < 0 {
		return fault.Invalid("remember_for", "must not be negative")
	}
	return nil
}

// RejectConsent rejects a consent and returns the URL to send the browser to, as RejectLogin.
func (p *Provider) RejectConsent(ctx context.Context, challenge string, r Rejection) (string, error) {
	f, fd, err := p.loadFlow(ctx, store.ByConsentChallenge, challenge, store.FlowConsentRequested)
	if err != nil {
		return "", err
	}
	return p.reject(ctx, f, fd, store.FlowConsentRequested, r)
}

// RevokeConsent withdraws subject's consent to clientID (to every client when clientID is ""):
// the remembered consent is forgotten and every grant of the subject to the client is revoked,
// with its tokens. It returns how many grants were revoked.
func (p *Provider) RevokeConsent(ctx context.Context, subject, clientID string) (int, error) {
	if subject == "" {
		return 0, fault.Invalid("subject", "the subject is required")
	}
	if _, err := p.st.DeleteConsent(ctx, subject, clientID); err != nil {
		return 0, err
	}
	n, err := p.st.RevokeGrants(ctx, subject, clientID)
	if err != nil {
		return 0, err
	}
	p.revoked.addSubject(subject, clientID, p.now())
	return n, nil
}

func (p *Provider) reject(ctx context.Context, f *store.AuthFlow, fd *flowData, from store.FlowState, r Rejection) (string, error) {
	code := r.Code
	if code == "" {
		code = CodeAccessDenied
	}
	f.State = store.FlowRejected
	if err := p.st.UpdateFlow(ctx, f, from); err != nil {
		return "", err
	}
	if fd.Device {
		if err := p.denyDevice(ctx, fd.DeviceCodeKey); err != nil {
			return "", err
		}
		return p.deviceDoneURL(false), nil
	}
	e := &Error{Code: code, Description: sanitizeDescription(r.Description), Status: http.StatusForbidden}
	return p.redirectError(fd, e).RedirectTo, nil
}

// afterLogin takes the browser's return from the login app and sends it to the consent app.
func (p *Provider) afterLogin(ctx context.Context, r BrowserRequest, path string) (*BrowserResult, error) {
	f, fd, err := p.loadFlow(ctx, store.ByLoginVerifier, r.Params.Get("login_verifier"), store.FlowLoginAccepted)
	if err != nil {
		return nil, InvalidRequest("the login_verifier is unknown, expired or used").WithCause(err)
	}
	if err := p.checkBrowser(r, f, fd, path); err != nil {
		return nil, err
	}
	now := p.now().UTC()
	res := &BrowserResult{}
	if fd.Remember {
		secret := randomID()
		s := &store.LoginSession{
			ID: hashHex(secret), Subject: f.Subject, AuthenticatedAt: fd.AuthTime,
			ExpiresAt: now.Add(time.Duration(fd.RememberFor) * time.Second),
		}
		if err := p.st.CreateLoginSession(ctx, s); err != nil {
			return nil, AsError(err)
		}
		fd.SessionID = s.ID
		res.SetCookies = append(res.SetCookies, p.newCookie(LoginSessionCookie, secret, 0, s.ExpiresAt))
	}
	if fd.SessionID == "" {
		fd.SessionID = randomID() // a sid for the ID token even when the login is not remembered
	}
	// A device flow always asks: its user code may come from someone else (remote phishing,
	// RFC 8628 §5.4), and only the user's own confirmation tells that this device is theirs.
	if !slices.Contains(fd.OIDC.Prompt, "consent") && !fd.Device {
		rc, err := p.st.GetConsent(ctx, f.Subject, f.ClientID)
		switch {
		case err == nil:
			fd.ConsentSkip = (rc.ExpiresAt.IsZero() || now.Before(rc.ExpiresAt)) &&
				subset(fd.Scopes, rc.Scopes) && subset(fd.Audiences, rc.Audiences)
		case fault.CodeOf(err) != fault.NotFound:
			return nil, AsError(err)
		}
	}
	if slices.Contains(fd.OIDC.Prompt, "none") && !fd.ConsentSkip && !fd.Device {
		f.State = store.FlowRejected
		if err := p.st.UpdateFlow(ctx, f, store.FlowLoginAccepted); err != nil {
			return nil, InvalidRequest("the login_verifier was used already").WithCause(err)
		}
		e := &Error{Code: "consent_required", Status: http.StatusBadRequest,
			Description: "prompt=none, but the client has no remembered consent for these scopes"}
		r := p.redirectError(fd, e)
		r.SetCookies = append(res.SetCookies, r.SetCookies...)
		return r, nil
	}
	f.ConsentChallenge = randomID()
	f.State = store.FlowConsentRequested
	f.Data = marshal(fd)
	if err := p.st.UpdateFlow(ctx, f, store.FlowLoginAccepted); err != nil {
		return nil, InvalidRequest("the login_verifier was used already").WithCause(err)
	}
	res.RedirectTo = withQuery(p.cfg.ConsentURL, url.Values{"consent_challenge": {f.ConsentChallenge}})
	return res, nil
}

// afterConsent takes the browser's return from the consent app: it issues the authorization code
// and sends the browser to the client, or approves the device.
func (p *Provider) afterConsent(ctx context.Context, r BrowserRequest, path string) (*BrowserResult, error) {
	f, fd, err := p.loadFlow(ctx, store.ByConsentVerifier, r.Params.Get("consent_verifier"), store.FlowConsentAccepted)
	if err != nil {
		return nil, InvalidRequest("the consent_verifier is unknown, expired or used").WithCause(err)
	}
	if err := p.checkBrowser(r, f, fd, path); err != nil {
		return nil, err
	}
	f.State = store.FlowDone
	if err := p.st.UpdateFlow(ctx, f, store.FlowConsentAccepted); err != nil {
		return nil, InvalidRequest("the consent_verifier was used already").WithCause(err)
	}
	now := p.now().UTC()
	if fd.RememberConsent {
		rc := &store.RememberedConsent{
			Subject: f.Subject, ClientID: f.ClientID, Scopes: fd.GrantedScopes,
			Audiences: fd.GrantedAudiences, GrantedAt: now,
		}
		if fd.RememberConsentFor > 0 {
			rc.ExpiresAt = now.Add(time.Duration(fd.RememberConsentFor) * time.Second)
		}
		if err := p.st.RememberConsent(ctx, rc); err != nil {
			return nil, AsError(err)
		}
	}
	sess := grantSession{
		SID: fd.SessionID, ACR: fd.ACR, AMR: fd.AMR,
		IDTokenClaims: fd.IDTokenClaims, AccessTokenClaims: fd.AccessTokenClaims,
	}
	res := &BrowserResult{SetCookies: []*http.Cookie{p.deleteCookie(flowCookie + f.ID[:12])}}
	if fd.Device {
		if err := p.approveDevice(ctx, fd, f.Subject, sess, now); err != nil {
			return nil, err
		}
		res.RedirectTo = p.deviceDoneURL(true)
		if res.RedirectTo == "" {
			res.Page = PageDeviceApproved
		}
		return res, nil
	}
	code, sig := p.codec.Mint(token.AuthorizeCode)
	g := &store.Grant{
		ID: randomID(), ClientID: f.ClientID, Subject: f.Subject,
		Scopes: fd.GrantedScopes, Audiences: fd.GrantedAudiences, AuthTime: fd.AuthTime,
		CreatedAt: now, ExpiresAt: now.Add(p.grantLifetime()), Session: marshal(sess),
	}
	rec := &store.TokenRecord{
		Key: token.StorageKey(sig), Kind: store.AuthorizeCodeKind, GrantID: g.ID,
		IssuedAt: now, ExpiresAt: now.Add(p.cfg.AuthorizeCodeLifetime),
		Data: marshal(codeData{
			RedirectURI: fd.RedirectURI, RedirectExplicit: fd.RedirectExplicit,
			Challenge: fd.Challenge, ChallengeMethod: fd.ChallengeMethod, Nonce: fd.Nonce,
		}),
	}
	if err := p.st.CreateGrant(ctx, g, rec); err != nil {
		return nil, AsError(err)
	}
	params := url.Values{"code": {code}, "iss": {p.cfg.Issuer}, "scope": {FormatScope(fd.GrantedScopes)}}
	if fd.State != "" {
		params.Set("state", fd.State)
	}
	res.RedirectTo = withQuery(fd.RedirectURI, params)
	return res, nil
}

// grantLifetime is how long a grant of the browser or device flow lives: its refresh tokens may
// not outlive it (the store cannot extend a grant), so it is the absolute lifetime of the refresh
// token family, plus an access token's.
func (p *Provider) grantLifetime() time.Duration {
	return p.cfg.RefreshTokenLifetime + p.cfg.AccessTokenLifetime
}

// checkBrowser checks that the verifier came back to the endpoint that started the flow, in the
// browser that started it.
func (p *Provider) checkBrowser(r BrowserRequest, f *store.AuthFlow, fd *flowData, path string) error {
	if returnPath(fd) != path {
		return InvalidRequest("the verifier belongs to another endpoint's flow")
	}
	got := hashHex(r.cookie(p.cookieName(flowCookie + f.ID[:12])))
	if subtle.ConstantTimeCompare([]byte(got), []byte(fd.BrowserKey)) != 1 {
		return InvalidRequest("the flow was started in another browser, or its cookie was lost").
			WithCause(errors.New("flow cookie missing or wrong"))
	}
	return nil
}

func returnPath(fd *flowData) string {
	if fd.Device {
		return PathDeviceVerify
	}
	return PathAuthorize
}

// redirectError returns the redirect that carries err to the client (RFC 6749 §4.1.2.1, RFC
// 9207's iss).
func (p *Provider) redirectError(fd *flowData, err *Error) *BrowserResult {
	params := url.Values{"error": {string(err.Code)}, "iss": {p.cfg.Issuer}}
	if err.Description != "" {
		params.Set("error_description", err.Description)
	}
	if fd.State != "" {
		params.Set("state", fd.State)
	}
	return &BrowserResult{RedirectTo: withQuery(fd.RedirectURI, params)}
}

func parseOIDCContext(q url.Values) (OIDCContext, error) {
	o := OIDCContext{MaxAge: -1, LoginHint: q.Get("login_hint"), Display: q.Get("display")}
	if len(o.LoginHint) > 1024 {
		return o, InvalidRequest("login_hint is longer than 1024 bytes")
	}
	o.Prompt = strings.Fields(q.Get("prompt"))
	for _, pr := range o.Prompt {
		if !slices.Contains([]string{"none", "login", "consent", "select_account"}, pr) {
			return o, InvalidRequest("prompt %q is not one of none, login, consent, select_account", truncate(pr))
		}
	}
	if slices.Contains(o.Prompt, "none") && len(o.Prompt) > 1 {
		return o, InvalidRequest("prompt none cannot be combined with other values")
	}
	if s := q.Get("max_age"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return o, InvalidRequest("max_age must be a non-negative integer")
		}
		o.MaxAge = n
	}
	o.ACRValues = strings.Fields(q.Get("acr_values"))
	o.UILocales = strings.Fields(q.Get("ui_locales"))
	if len(o.ACRValues) > 16 || len(o.UILocales) > 16 {
		return o, InvalidRequest("acr_values and ui_locales hold at most 16 values")
	}
	return o, nil
}

// parseAudiences reads the audience parameters (space-separated, possibly repeated) and checks
// them against the client's.
func parseAudiences(values []string, c *Client) ([]string, error) {
	var auds []string
	for _, v := range values {
		for a := range strings.FieldsSeq(v) {
			if !slices.Contains(auds, a) {
				auds = append(auds, a)
			}
		}
	}
	if len(auds) > MaxAudiences {
		return nil, InvalidRequest("more than %d audiences requested", MaxAudiences)
	}
	for _, a := range auds {
		if !slices.Contains(c.Audiences, a) {
			return nil, InvalidRequest("the client may not request audience %s", truncate(a))
		}
	}
	return auds, nil
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
