package flow

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/wardhq/ward/identity"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the login flow, as Kratos serves them.
const (
	RouteLoginInitBrowser = "/self-service/login/browser"
	RouteLoginInitAPI     = "/self-service/login/api"
	RouteLoginGet         = "/self-service/login/flows"
	RouteLoginSubmit      = "/self-service/login"
)

// The authenticator assurance levels.
const (
	AAL1 = "aal1"
	AAL2 = "aal2"
)

// LoginFlow is a login flow, encoded as Kratos's loginFlow.
type LoginFlow struct {
	ID         string        `json:"id"`
	Type       Type          `json:"type"`
	ExpiresAt  time.Time     `json:"expires_at"`
	IssuedAt   time.Time     `json:"issued_at"`
	RequestURL string        `json:"request_url"`
	ReturnTo   string        `json:"return_to,omitempty"`
	Active     string        `json:"active,omitempty"`
	UI         *ui.Container `json:"ui"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	// Refresh says the flow re-authenticates the session the request carried.
	Refresh bool `json:"refresh"`
	// RequestedAAL is the level the flow must reach: "aal1", or "aal2" for a second factor.
	RequestedAAL string `json:"requested_aal"`
	// OAuth2LoginChallenge is the login_challenge of the OAuth2 login that sent the user here;
	// the transport completes that login after the flow.
	OAuth2LoginChallenge string          `json:"oauth2_login_challenge,omitempty"`
	State                State           `json:"state"`
	TransientPayload     json.RawMessage `json:"transient_payload,omitempty"`
}

// FlowInit is the answer to initializing a flow.
type FlowInit[F any] struct {
	Flow F
	// SetCSRFCookie, when not "", is the CSRF secret the transport sets in the CSRFCookieName
	// cookie: the browser had none.
	SetCSRFCookie string
	// Redirect is where a browser that did not ask for JSON goes: the flow's UI.
	Redirect string
}

// LoginResult is the answer to a login submission.
type LoginResult struct {
	// Flow is the flow after the submission.
	Flow *LoginFlow
	// Refused says the submission was not accepted: Flow carries the messages, and the transport
	// answers 400 with it, or sends a browser that did not ask for JSON to Redirect (the UI).
	Refused bool
	// Redirect is where a browser that did not ask for JSON goes: the UI when Refused, else the
	// return_to URL.
	Redirect string

	// Session and SessionToken are the session the login started: the transport answers an API
	// flow with both (Kratos's successfulNativeLogin) and sets a browser's session cookie to the
	// token.
	Session      *identity.Session
	SessionToken string
	// ContinueWith are the items of the answer (browser flows: redirect_browser_to).
	ContinueWith []ContinueWith
	// LoginChallenge is the OAuth2 login challenge to accept for the session, "" when none.
	LoginChallenge string
}

func parseAAL(raw string) (string, error) {
	switch strings.ToLower(raw) {
	case "", AAL1:
		return AAL1, nil
	case AAL2:
		return AAL2, nil
	}
	return "", errBadRequest("Unable to parse AuthenticationMethod Assurance Level (AAL): expected one of [aal1, aal2] but got %s", raw)
}

// InitLogin starts a login flow of type t, as GET /self-service/login/{browser,api}.
//
// The query may hold return_to (checked against the allow-list), refresh=true (re-authenticate
// the session the request carries; without a session the flow is an ordinary login, as in
// Kratos), aal (aal1, or aal2 to step a session up) and login_challenge. A request with a session and no
// refresh is Kratos's session_already_available (a browser that did not ask for JSON goes to the
// return_to URL instead), unless it asks for aal2 at aal1: the flow then asks for a second factor.
func (s *Service) InitLogin(ctx context.Context, t Type, r *Request) (*FlowInit[*LoginFlow], error) {
	if _, err := parseType(t); err != nil {
		return nil, err
	}
	returnTo := r.query("return_to")
	target, err := s.cfg.returns.resolve(returnTo)
	if err != nil {
		return nil, err
	}
	aal, err := parseAAL(r.query("aal"))
	if err != nil {
		return nil, err
	}
	refresh, _ := strconv.ParseBool(r.query("refresh"))
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	switch {
	case sess == nil && aal == AAL2:
		return nil, errSessionRequiredForHigherAAL()
	case sess == nil:
		refresh = false
	case aal == AAL2 && sess.AAL == AAL2 && !refresh:
		e := errAlreadyLoggedIn("A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?")
		e.Redirect = target.String()
		return nil, e
	case aal == AAL2:
		// The second factor steps the session up; buildAAL2LoginForm checks the identity has one.
	case !refresh:
		e := errAlreadyLoggedIn("A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?")
		e.Redirect = target.String()
		return nil, e
	}

	now := s.cfg.now().UTC()
	f := &LoginFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, CreatedAt: now, UpdatedAt: now,
		ExpiresAt:  now.Add(s.cfg.login.lifespan),
		RequestURL: r.requestURL(), ReturnTo: returnTo,
		Refresh: refresh, RequestedAAL: aal,
		OAuth2LoginChallenge: r.query("login_challenge"),
		State:                StateChooseMethod,
	}
	token, cookie := csrfFor(r, t)
	if err := s.buildLoginForm(ctx, f, sess, token); err != nil {
		return nil, err
	}
	st, err := createRecord(ctx, s.st, store.LoginFlow, f.ID, "", f.ExpiresAt, record[*LoginFlow]{Flow: f, CSRFToken: token})
	if err != nil {
		return nil, err
	}
	return &FlowInit[*LoginFlow]{Flow: st.rec.Flow, SetCSRFCookie: cookie, Redirect: flowURL(s.cfg.login.ui, f.ID)}, nil
}

// buildLoginForm sets the password method's form: the identifier and the password, or, when
// refreshing sess, the session identity's identifier as a hidden input.
func (s *Service) buildLoginForm(ctx context.Context, f *LoginFlow, sess *identity.Session, csrf string) error {
	if f.RequestedAAL == AAL2 {
		return s.buildAAL2LoginForm(ctx, f, sess, csrf)
	}
	c := s.cfg.container(RouteLoginSubmit, f.ID)
	setCSRF(c, csrf)
	if f.Refresh && sess != nil {
		id, err := s.accounts.GetIdentity(ctx, sess.IdentityID)
		if err != nil {
			return err
		}
		identifier := ""
		if x, err := s.schemas.Extract(ctx, id.SchemaID, id.Traits); err == nil {
			if ids := x.Identifiers[schema.CredentialPassword]; len(ids) > 0 {
				identifier = ids[0]
			}
		}
		if identifier != "" {
			c.Nodes.Upsert(ui.NewInput(nodeIdentifier, identifier, ui.GroupDefault, ui.InputTypeHidden))
			c.Nodes.Upsert(passwordNode(ui.AutocompleteCurrentPassword))
			c.Nodes.Append(submitNode(methodPassword, ui.GroupPassword, text.LoginSignIn()))
		}
		c.Messages = append(c.Messages, text.LoginReAuth())
	} else {
		label, err := s.schemas.IdentifierLabel(s.schemas.DefaultID())
		if err != nil {
			return err
		}
		idLabel := text.LabelID()
		if label != "" {
			idLabel = text.LabelGenerated(label)
		}
		in := ui.NewInput(nodeIdentifier, "", ui.GroupDefault, ui.InputTypeText).WithLabel(idLabel)
		in.Input().Required = true
		c.Nodes.Upsert(in)
		c.Nodes.Upsert(passwordNode(ui.AutocompleteCurrentPassword))
		c.Nodes.Append(submitNode(methodPassword, ui.GroupPassword, text.LoginWithPassword()))
	}
	c.Nodes.Sort(ui.LoginOrder())
	f.UI = c
	return nil
}

// GetLogin returns the login flow id, as GET /self-service/login/flows?id=. A browser flow is
// shown only to the browser it was issued to (security_csrf_violation otherwise); an expired flow
// is Kratos's 410 self_service_flow_expired with where to start another; a flow of another kind
// is not found.
func (s *Service) GetLogin(ctx context.Context, r *Request, id string) (*LoginFlow, error) {
	st, err := loadRecord[*LoginFlow](ctx, s.st, store.LoginFlow, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	if err := s.checkShown(r, f.Type, st.rec.CSRFToken, f.ExpiresAt, st.kind, f.ReturnTo); err != nil {
		return nil, err
	}
	return f, nil
}

// checkShown applies the checks of GET /self-service/KIND/flows?id= to a flow of kind: a browser
// flow is shown only to its browser, an expired one is Kratos's 410 naming where to start again.
func (s *Service) checkShown(r *Request, t Type, issuedCSRF string, expires time.Time, kind store.SelfServiceFlowKind, returnTo string) error {
	if err := checkBrowserOwns(r, t, issuedCSRF); err != nil {
		return err
	}
	return s.checkNotExpired(t, expires, kind, returnTo)
}

// checkNotExpired is checkShown's expiry half: the 410 of a flow of kind that expired.
func (s *Service) checkNotExpired(t Type, expires time.Time, kind store.SelfServiceFlowKind, returnTo string) error {
	if expires.Before(s.cfg.now()) {
		k := string(kind)
		return s.expiredOnGet(k, "/self-service/"+k+"/browser", "/self-service/"+k+"/api", t, returnTo)
	}
	return nil
}

// expiredOnGet is the 410 of an expired flow of kind: where a browser (with its return_to) or an
// app starts another.
func (s *Service) expiredOnGet(kind, browserRoute, apiRoute string, t Type, returnTo string) *Error {
	if t == TypeBrowser {
		var q url.Values
		if returnTo != "" {
			q = url.Values{"return_to": {returnTo}}
		}
		return errFlowExpiredOnGet(kind, s.cfg.publicPath(browserRoute, q), true, returnTo)
	}
	return errFlowExpiredOnGet(kind, s.cfg.publicPath(apiRoute, nil), false, "")
}

// SubmitLogin submits the login flow id with the request's body, as POST
// /self-service/login?flow=. See [LoginResult] for the outcomes; errors are Kratos's (CSRF, an
// API flow submitted by a browser, an expired flow answered with its replacement, a session
// that makes login pointless) or the identity service's failures.
func (s *Service) SubmitLogin(ctx context.Context, r *Request, id string) (_ *LoginResult, err error) {
	st, err := loadRecord[*LoginFlow](ctx, s.st, store.LoginFlow, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	defer func() { err = inFlow(f.Type, err) }()
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	switch {
	case sess != nil && !f.Refresh && f.RequestedAAL != AAL2:
		e := errAlreadyLoggedIn("A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?")
		e.Redirect = s.cfg.defaultReturn.String()
		return nil, e
	case sess == nil && f.RequestedAAL == AAL2:
		return nil, errSessionRequiredForHigherAAL()
	}
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredLogin(ctx, r, f, now)
	}
	sub, err := readSubmission(r, f.Type)
	if err != nil {
		return nil, err
	}
	refuse := func(ms ...fieldMessage) (*LoginResult, error) {
		f.UI.ResetMessages()
		addMessages(f.UI, ms)
		keepValues(f.UI, r)
		f.UI.Nodes.Sort(ui.LoginOrder())
		f.UpdatedAt = now
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &LoginResult{Flow: f, Refused: true, Redirect: flowURL(s.cfg.login.ui, f.ID)}, nil
	}
	if f.State == StatePassedChallenge {
		return refuse(fieldMessage{msg: text.LoginRetrySuccess()})
	}
	if f.RequestedAAL == AAL2 {
		return s.submitAAL2Login(ctx, r, st, sess, sub, refuse, now)
	}
	if sub.Method != methodPassword {
		return refuse(fieldMessage{msg: text.LoginNoStrategyFound()})
	}
	var missing []fieldMessage
	if sub.Identifier == "" {
		missing = append(missing, fieldMessage{field: nodeIdentifier, msg: text.Required(nodeIdentifier)})
	}
	if sub.Password == "" {
		missing = append(missing, fieldMessage{field: nodePassword, msg: text.Required(nodePassword)})
	}
	if len(missing) > 0 {
		return refuse(missing...)
	}
	f.TransientPayload = sub.TransientPayload
	// Claim the flow: a concurrent submission of the same version fails here.
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	who, err := s.accounts.AuthenticatePassword(ctx, sub.Identifier, sub.Password, r.ClientIP)
	switch {
	case errors.Is(err, identity.ErrInvalidCredentials):
		return refuse(fieldMessage{msg: text.InvalidCredentials()})
	case errors.Is(err, identity.ErrIdentityDisabled):
		return nil, errIdentityDisabled().withCause(err)
	case err != nil:
		return nil, err
	}
	f.State, f.Active, f.UpdatedAt = StatePassedChallenge, methodPassword, now
	f.UI.ResetMessages()
	f.UI.Nodes.ResetValues(nodePassword)
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}

	res := &LoginResult{Flow: f, LoginChallenge: f.OAuth2LoginChallenge}
	method := identity.AuthenticationMethod{Method: methodPassword, AAL: AAL1}
	if sess != nil && sess.IdentityID == who.ID {
		// A refresh re-authenticates the session it was started with; its token stays.
		res.Session, err = s.accounts.RefreshSession(ctx, sess.ID, method, r.device())
		res.SessionToken = r.SessionToken
	} else {
		res.Session, res.SessionToken, err = s.accounts.IssueSession(ctx, who.ID, method, r.device())
	}
	if err != nil {
		return nil, err
	}
	return s.finishLogin(f, res, who)
}

// finishLogin sets where a login that started or stepped up res.Session goes: the flow's
// return_to or after URL, or, when who (nil after a second factor) has a second factor whoami
// requires, the aal2 login, as Kratos's login hook does; an app then gets the session without
// its identity.
func (s *Service) finishLogin(f *LoginFlow, res *LoginResult, who *identity.Identity) (*LoginResult, error) {
	target, err := s.successTarget(f.ReturnTo, s.cfg.login.afterReturn)
	if err != nil {
		return nil, err
	}
	res.Redirect = target
	if who != nil && res.Session.AAL != AAL2 && s.needsAAL2(who) {
		res.Redirect = s.aal2LoginURL(f.ReturnTo)
		c := *res.Session
		c.Identity = nil
		res.Session = &c
	}
	if f.Type == TypeBrowser {
		res.ContinueWith = []ContinueWith{continueWithRedirect(res.Redirect)}
	}
	return res, nil
}

// successTarget is where a browser goes after a flow: its return_to, else the flow's after URL.
func (s *Service) successTarget(returnTo string, after *url.URL) (string, error) {
	if returnTo == "" {
		return after.String(), nil
	}
	u, err := s.cfg.returns.resolve(returnTo)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// replaceExpiredLogin starts the flow that replaces the expired f, with the expiry message, and
// returns Kratos's 410 naming it.
func (s *Service) replaceExpiredLogin(ctx context.Context, r *Request, old *LoginFlow, now time.Time) error {
	f := &LoginFlow{
		ID: newFlowID(), Type: old.Type, IssuedAt: now, CreatedAt: now, UpdatedAt: now,
		ExpiresAt:  now.Add(s.cfg.login.lifespan),
		RequestURL: old.RequestURL, ReturnTo: old.ReturnTo,
		RequestedAAL: old.RequestedAAL, OAuth2LoginChallenge: old.OAuth2LoginChallenge,
		State: StateChooseMethod,
	}
	token := replacementCSRF(r, f.Type)
	var sess *identity.Session
	if f.RequestedAAL == AAL2 {
		var err error
		if sess, err = s.session(ctx, r.SessionToken); err != nil {
			return err
		}
	}
	if err := s.buildLoginForm(ctx, f, sess, token); err != nil {
		return err
	}
	f.UI.AddMessage(text.LoginFlowExpired(old.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.LoginFlow, f.ID, "", f.ExpiresAt, record[*LoginFlow]{Flow: f, CSRFToken: token}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(old.ExpiresAt, now, f.ID, flowURL(s.cfg.login.ui, f.ID))
}

// keepValues puts what the user typed back into the form, never a password.
func keepValues(c *ui.Container, r *Request) {
	if sub, err := ui.ParseSubmission(r.ContentType, r.Body); err == nil {
		c.KeepValues(sub)
	}
	for _, n := range c.Nodes {
		if in := n.Input(); in != nil && in.Type == ui.InputTypePassword {
			in.Value = nil
		}
	}
}
