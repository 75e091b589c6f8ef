package flow

import (
	"context"
	"encoding/json"
	"github.com/wardhq/ward/identity"
	"time"

	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the registration flow, as Kratos serves them.
const (
	RouteRegistrationInitBrowser = "/self-service/registration/browser"
	RouteRegistrationInitAPI     = "/self-service/registration/api"
	RouteRegistrationGet         = "/self-service/registration/flows"
	RouteRegistrationSubmit      = "/self-service/registration"
)

// RegistrationFlow is a registration flow, encoded as Kratos's registrationFlow.
type RegistrationFlow struct {
	ID                   string          `json:"id"`
	Type                 Type            `json:"type"`
	ExpiresAt            time.Time       `json:"expires_at"`
	IssuedAt             time.Time       `json:"issued_at"`
	RequestURL           string          `json:"request_url"`
	ReturnTo             string          `json:"return_to,omitempty"`
	Active               string          `json:"active,omitempty"`
	UI                   *ui.Container   `json:"ui"`
	OAuth2LoginChallenge string          `json:"oauth2_login_challenge,omitempty"`
	State                State           `json:"state"`
	TransientPayload     json.RawMessage `json:"transient_payload,omitempty"`
}

// RegistrationResult is the answer to a registration submission.
type RegistrationResult struct {
	// Flow, Refused and Redirect are as in [LoginResult].
	Flow     *RegistrationFlow
	Refused  bool
	Redirect string
	// Identity is the identity created.
	Identity *identity.Identity
	// Session and SessionToken are the session of the new identity when the configuration signs
	// it in (SessionAfterRegistration); nil and "" otherwise.
	Session      *identity.Session
	SessionToken string
	// ContinueWith are the items of the answer: set_ory_session_token for an API flow that got a
	// session, redirect_browser_to for a browser flow.
	ContinueWith []ContinueWith
}

// InitRegistration starts a registration flow of type t, as GET
// /self-service/registration/{browser,api}. A request with a session is Kratos's
// session_already_available.
func (s *Service) InitRegistration(ctx context.Context, t Type, r *Request) (*FlowInit[*RegistrationFlow], error) {
	if _, err := parseType(t); err != nil {
		return nil, err
	}
	returnTo := r.query("return_to")
	target, err := s.cfg.returns.resolve(returnTo)
	if err != nil {
		return nil, err
	}
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	if sess != nil {
		e := errAlreadyLoggedIn("A valid session was detected and thus registration is not possible.")
		e.Redirect = target.String()
		return nil, e
	}
	now := s.cfg.now().UTC()
	f := &RegistrationFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(s.cfg.registration.lifespan),
		RequestURL: r.requestURL(), ReturnTo: returnTo,
		OAuth2LoginChallenge: r.query("login_challenge"), State: StateChooseMethod,
	}
	token, cookie := csrfFor(r, t)
	schemaID := s.schemas.DefaultID()
	if err := s.buildRegistrationForm(f, schemaID, token); err != nil {
		return nil, err
	}
	st, err := createRecord(ctx, s.st, store.RegistrationFlow, f.ID, "", f.ExpiresAt,
		record[*RegistrationFlow]{Flow: f, CSRFToken: token, SchemaID: schemaID})
	if err != nil {
		return nil, err
	}
	return &FlowInit[*RegistrationFlow]{Flow: st.rec.Flow, SetCSRFCookie: cookie, Redirect: flowURL(s.cfg.registration.ui, f.ID)}, nil
}

// buildRegistrationForm sets the password method's form: the schema's traits, the password.
func (s *Service) buildRegistrationForm(f *RegistrationFlow, schemaID, csrf string) error {
	fields, err := s.schemas.Fields(schemaID)
	if err != nil {
		return err
	}
	c := s.cfg.container(RouteRegistrationSubmit, f.ID)
	for _, n := range traitNodes(fields, ui.GroupPassword) {
		c.Nodes.Upsert(n)
	}
	setCSRF(c, csrf)
	c.Nodes.Upsert(passwordNode(ui.AutocompleteNewPassword))
	c.Nodes.Append(submitNode(methodPassword, ui.GroupPassword, text.RegistrationSignUp()))
	c.Nodes.Sort(ui.RegistrationOrder(schemaKeys(fields)))
	f.UI = c
	return nil
}

// GetRegistration returns the registration flow id, as GET /self-service/registration/flows?id=,
// with GetLogin's checks.
func (s *Service) GetRegistration(ctx context.Context, r *Request, id string) (*RegistrationFlow, error) {
	st, err := loadRecord[*RegistrationFlow](ctx, s.st, store.RegistrationFlow, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	if err := s.checkShown(r, f.Type, st.rec.CSRFToken, f.ExpiresAt, st.kind, f.ReturnTo); err != nil {
		return nil, err
	}
	return f, nil
}

// SubmitRegistration submits the registration flow id, as POST /self-service/registration?flow=.
// Traits come from traits.NAME form fields or a JSON "traits" object; a refused submission keeps
// them in the form (never the password) with Kratos's messages on their nodes, a taken identifier
// is 4000007 on the form.
func (s *Service) SubmitRegistration(ctx context.Context, r *Request, id string) (_ *RegistrationResult, err error) {
	st, err := loadRecord[*RegistrationFlow](ctx, s.st, store.RegistrationFlow, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	defer func() { err = inFlow(f.Type, err) }()
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	if sess != nil {
		e := errAlreadyLoggedIn("A valid session was detected and thus registration is not possible.")
		e.Redirect = s.cfg.defaultReturn.String()
		return nil, e
	}
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredRegistration(ctx, r, st, now)
	}
	sub, err := readSubmission(r, f.Type)
	if err != nil {
		return nil, err
	}
	fields, err := s.schemas.Fields(st.rec.SchemaID)
	if err != nil {
		return nil, err
	}
	refuse := func(ms ...fieldMessage) (*RegistrationResult, error) {
		f.UI.ResetMessages()
		addMessages(f.UI, ms)
		keepValues(f.UI, r)
		f.UI.Nodes.Sort(ui.RegistrationOrder(schemaKeys(fields)))
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &RegistrationResult{Flow: f, Refused: true, Redirect: flowURL(s.cfg.registration.ui, f.ID)}, nil
	}
	if f.State == StatePassedChallenge {
		return refuse(fieldMessage{msg: text.RegistrationRetrySuccess()})
	}
	if sub.Method != methodPassword {
		return refuse(fieldMessage{msg: text.RegistrationNoStrategyFound()})
	}
	if sub.Password == "" {
		return refuse(fieldMessage{field: nodePassword, msg: text.Required(nodePassword)})
	}
	f.TransientPayload = sub.TransientPayload
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	who, err := s.accounts.Register(ctx, st.rec.SchemaID, sub.Traits(fields), sub.Password, r.ClientIP)
	if err != nil {
		if ms, ok := validationMessages(err); ok {
			return refuse(ms...)
		}
		if isAlreadyExists(err) {
			return refuse(fieldMessage{msg: text.DuplicateCredentials()})
		}
		return nil, err
	}
	f.State, f.Active = StatePassedChallenge, methodPassword
	f.UI.ResetMessages()
	keepValues(f.UI, r)
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	res := &RegistrationResult{Flow: f, Identity: who}
	if s.cfg.sessionAfterRegistration {
		res.Session, res.SessionToken, err = s.accounts.IssueSession(ctx, who.ID,
			identity.AuthenticationMethod{Method: methodPassword, AAL: AAL1}, r.device())
		if err != nil {
			return nil, err
		}
		if f.Type == TypeAPI {
			res.ContinueWith = append(res.ContinueWith, continueWithToken(res.SessionToken))
		}
	}
	target, err := s.successTarget(f.ReturnTo, s.cfg.registration.afterReturn)
	if err != nil {
		return nil, err
	}
	res.Redirect = target
	if f.Type == TypeBrowser {
		res.ContinueWith = append(res.ContinueWith, continueWithRedirect(target))
	}
	return res, nil
}

// replaceExpiredRegistration starts the flow that replaces an expired one and returns Kratos's
// 410 naming it.
func (s *Service) replaceExpiredRegistration(ctx context.Context, r *Request, old *stored[*RegistrationFlow], now time.Time) error {
	o := old.rec.Flow
	f := &RegistrationFlow{
		ID: newFlowID(), Type: o.Type, IssuedAt: now, ExpiresAt: now.Add(s.cfg.registration.lifespan),
		RequestURL: o.RequestURL, ReturnTo: o.ReturnTo, OAuth2LoginChallenge: o.OAuth2LoginChallenge,
		State: StateChooseMethod,
	}
	token := replacementCSRF(r, f.Type)
	schemaID := old.rec.SchemaID
	if schemaID == "" {
		schemaID = s.schemas.DefaultID()
	}
	if err := s.buildRegistrationForm(f, schemaID, token); err != nil {
		return err
	}
	f.UI.AddMessage(text.RegistrationFlowExpired(o.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.RegistrationFlow, f.ID, "", f.ExpiresAt,
		record[*RegistrationFlow]{Flow: f, CSRFToken: token, SchemaID: schemaID}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(o.ExpiresAt, now, f.ID, flowURL(s.cfg.registration.ui, f.ID))
}
