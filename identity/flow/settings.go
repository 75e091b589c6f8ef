package flow

import (
	"context"
	"encoding/json"
	"github.com/wardhq/ward/identity"
	"net/url"
	"slices"
	"time"

	"github.com/wardhq/ward/identity/schema"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the settings flow, as Kratos serves them.
const (
	RouteSettingsInitBrowser = "/self-service/settings/browser"
	RouteSettingsInitAPI     = "/self-service/settings/api"
	RouteSettingsGet         = "/self-service/settings/flows"
	RouteSettingsSubmit      = "/self-service/settings"
)

// SettingsFlow is a settings flow, encoded as Kratos's settingsFlow.
type SettingsFlow struct {
	ID         string        `json:"id"`
	Type       Type          `json:"type"`
	ExpiresAt  time.Time     `json:"expires_at"`
	IssuedAt   time.Time     `json:"issued_at"`
	RequestURL string        `json:"request_url"`
	ReturnTo   string        `json:"return_to,omitempty"`
	Active     string        `json:"active,omitempty"`
	UI         *ui.Container `json:"ui"`
	// Identity is the identity the flow changes, as the identity service encodes it.
	Identity         json.RawMessage `json:"identity"`
	State            State           `json:"state"`
	ContinueWith     []ContinueWith  `json:"continue_with,omitempty"`
	TransientPayload json.RawMessage `json:"transient_payload,omitempty"`
}

// SettingsResult is the answer to a settings submission.
type SettingsResult struct {
	// Flow is the flow after the submission: in state success with Kratos's "changes saved"
	// message when accepted, with messages on its nodes when Refused. The transport answers it
	// (400 when Refused), or sends a browser that did not ask for JSON to Redirect.
	Flow     *SettingsFlow
	Refused  bool
	Redirect string
}

// InitSettings starts a settings flow of type t for the session the request carries, as GET
// /self-service/settings/{browser,api}. Without a session it is Kratos's 401 session_inactive;
// a browser that did not ask for JSON goes to the login instead.
func (s *Service) InitSettings(ctx context.Context, t Type, r *Request) (*FlowInit[*SettingsFlow], error) {
	if _, err := parseType(t); err != nil {
		return nil, err
	}
	returnTo := r.query("return_to")
	if _, err := s.cfg.returns.resolve(returnTo); err != nil {
		return nil, err
	}
	sess, err := s.requireSession(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := s.checkSettingsAAL(ctx, sess, r.requestURL()); err != nil {
		return nil, err
	}
	who, err := s.accounts.GetIdentity(ctx, sess.IdentityID)
	if err != nil {
		return nil, err
	}
	return s.startSettings(ctx, t, r, who, returnTo, nil)
}

// startSettings creates a settings flow of type t for who, with msg (nil for none) on its form:
// InitSettings's, and the recovery flow's for the identity it recovered.
func (s *Service) startSettings(ctx context.Context, t Type, r *Request, who *identity.Identity, returnTo string, msg *text.Message) (*FlowInit[*SettingsFlow], error) {
	now := s.cfg.now().UTC()
	f := &SettingsFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(s.cfg.settings.lifespan),
		RequestURL: r.requestURL(), ReturnTo: returnTo, State: StateShowForm,
	}
	token, cookie := csrfFor(r, t)
	if err := s.buildSettingsForm(f, who, token); err != nil {
		return nil, err
	}
	if msg != nil {
		f.UI.AddMessage(*msg)
	}
	totpURL, err := s.addSecondFactorSettings(ctx, f, who, nil, false)
	if err != nil {
		return nil, err
	}
	st, err := createRecord(ctx, s.st, store.SettingsFlow, f.ID, who.ID, f.ExpiresAt,
		record[*SettingsFlow]{Flow: f, CSRFToken: token, SchemaID: who.SchemaID, TOTPURL: totpURL})
	if err != nil {
		return nil, err
	}
	return &FlowInit[*SettingsFlow]{Flow: st.rec.Flow, SetCSRFCookie: cookie, Redirect: flowURL(s.cfg.settings.ui, f.ID)}, nil
}

// requireSession returns the request's session, or Kratos's 401 session_inactive, which sends a
// browser to the login and back.
func (s *Service) requireSession(ctx context.Context, r *Request) (*identity.Session, error) {
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return nil, err
	}
	if sess == nil {
		e := errNoActiveSession()
		e.Redirect = s.cfg.publicPath(RouteLoginInitBrowser, url.Values{"return_to": {r.requestURL()}})
		return nil, e
	}
	return sess, nil
}

// buildSettingsForm sets the profile method's form (the traits with their values) and the
// password method's (a new password), and embeds the identity.
func (s *Service) buildSettingsForm(f *SettingsFlow, who *identity.Identity, csrf string) error {
	fields, err := s.schemas.Fields(who.SchemaID)
	if err != nil {
		return err
	}
	doc, err := json.Marshal(who)
	if err != nil {
		return err
	}
	f.Identity = doc
	c := s.cfg.container(RouteSettingsSubmit, f.ID)
	for _, n := range traitNodes(fields, ui.GroupProfile) {
		c.Nodes.Upsert(n)
	}
	setCSRF(c, csrf)
	setTraitValues(c, who.Traits, fields)
	c.Nodes.Append(submitNode(methodProfile, ui.GroupProfile, text.LabelSave()))
	c.Nodes.Upsert(passwordNode(ui.AutocompleteNewPassword))
	c.Nodes.Append(submitNode(methodPassword, ui.GroupPassword, text.LabelSave()))
	c.Nodes.Sort(ui.SettingsOrder(schemaKeys(fields)))
	f.UI = c
	return nil
}

// loadSettings reads the settings flow id for the request's session: a flow of another identity
// is Kratos's security_identity_mismatch.
func (s *Service) loadSettings(ctx context.Context, r *Request, id string) (*stored[*SettingsFlow], *identity.Session, error) {
	st, err := loadRecord[*SettingsFlow](ctx, s.st, store.SettingsFlow, id)
	if err != nil {
		return nil, nil, err
	}
	sess, err := s.requireSession(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if sess.IdentityID != st.owner {
		return nil, nil, errIdentityMismatch()
	}
	if err := s.checkSettingsAAL(ctx, sess, st.rec.Flow.RequestURL); err != nil {
		return nil, nil, err
	}
	return st, sess, nil
}

// GetSettings returns the settings flow id, as GET /self-service/settings/flows?id=: only to a
// session of its identity, and a browser flow only to its browser.
func (s *Service) GetSettings(ctx context.Context, r *Request, id string) (*SettingsFlow, error) {
	st, _, err := s.loadSettings(ctx, r, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	if err := s.checkShown(r, f.Type, st.rec.CSRFToken, f.ExpiresAt, st.kind, f.ReturnTo); err != nil {
		return nil, err
	}
	return f, nil
}

// SubmitSettings submits the settings flow id, as POST /self-service/settings?flow=, with method
// profile (traits) or password. A password, or traits that change an identifier or an address,
// need a session authenticated within PrivilegedSessionMaxAge: otherwise the answer is Kratos's
// 403 session_refresh_required, whose redirect_browser_to (and Redirect) is the login that
// refreshes the session and comes back to the flow.
func (s *Service) SubmitSettings(ctx context.Context, r *Request, id string) (_ *SettingsResult, err error) {
	st, sess, err := s.loadSettings(ctx, r, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	defer func() { err = inFlow(f.Type, err) }()
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredSettings(ctx, r, st, now)
	}
	sub, err := readSubmission(r, f.Type)
	if err != nil {
		return nil, err
	}
	fields, err := s.schemas.Fields(st.rec.SchemaID)
	if err != nil {
		return nil, err
	}
	refuse := func(ms ...fieldMessage) (*SettingsResult, error) {
		f.UI.ResetMessages()
		addMessages(f.UI, ms)
		keepValues(f.UI, r)
		f.UI.Nodes.Sort(ui.SettingsOrder(schemaKeys(fields)))
		f.ContinueWith = nil
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &SettingsResult{Flow: f, Refused: true, Redirect: flowURL(s.cfg.settings.ui, f.ID)}, nil
	}
	if sub.Method != methodPassword && sub.Method != methodProfile && !s.isSecondFactorSettings(sub) {
		return refuse(fieldMessage{msg: text.SettingsNoStrategyFound()})
	}
	privileged := !sess.AuthenticatedAt.Add(s.cfg.privilegedMaxAge).Before(now)
	reauth := errNeedsPrivilegedSession(s.cfg.publicPath(RouteLoginInitBrowser, url.Values{
		"refresh":   {"true"},
		"return_to": {s.cfg.publicPath(RouteSettingsSubmit, url.Values{"flow": {f.ID}})},
	}))

	if s.isSecondFactorSettings(sub) {
		if !privileged {
			return nil, reauth
		}
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		out, err := s.submitSecondFactorSettings(ctx, st, sess, sub)
		if err != nil {
			return nil, err
		}
		if len(out.refused) > 0 {
			return refuse(out.refused...)
		}
		who, err := s.accounts.GetIdentity(ctx, st.owner)
		if err != nil {
			return nil, err
		}
		return s.completeSettings(ctx, r, st, who, sub, out, now)
	}
	var who *identity.Identity
	switch sub.Method {
	case methodPassword:
		if !privileged {
			return nil, reauth
		}
		if sub.Password == "" {
			return refuse(fieldMessage{field: nodePassword, msg: text.Required(nodePassword)})
		}
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		if err := s.accounts.SetPassword(ctx, st.owner, sub.Password); err != nil {
			if ms, ok := validationMessages(err); ok {
				return refuse(ms...)
			}
			return nil, err
		}
		if who, err = s.accounts.GetIdentity(ctx, st.owner); err != nil {
			return nil, err
		}
	case methodProfile:
		if !sub.HasTraits() {
			return nil, errBadRequest("Did not receive any value changes.")
		}
		traits := sub.Traits(fields)
		current, err := s.accounts.GetIdentity(ctx, st.owner)
		if err != nil {
			return nil, err
		}
		if !privileged && s.changesProtected(ctx, st.rec.SchemaID, current.Traits, traits) {
			return nil, reauth
		}
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		who, err = s.accounts.UpdateTraits(ctx, st.owner, traits)
		if err != nil {
			if ms, ok := validationMessages(err); ok {
				return refuse(ms...)
			}
			if isAlreadyExists(err) {
				return refuse(fieldMessage{msg: text.DuplicateCredentials()})
			}
			return nil, err
		}
	}

	return s.completeSettings(ctx, r, st, who, sub, settingsOutcome{}, now)
}

// completeSettings answers an accepted settings submission: the form rebuilt for who, in state
// success with Kratos's "changes saved" message, or, when out.showOnly, still in show_form with
// the codes out asks to show.
func (s *Service) completeSettings(ctx context.Context, r *Request, st *stored[*SettingsFlow], who *identity.Identity,
	sub *Submission, out settingsOutcome, now time.Time) (_ *SettingsResult, err error) {
	f := st.rec.Flow
	token := ""
	if f.Type == TypeBrowser {
		token = maskCSRF(r.CSRFCookie)
	}
	if err := s.buildSettingsForm(f, who, token); err != nil {
		return nil, err
	}
	if st.rec.TOTPURL, err = s.addSecondFactorSettings(ctx, f, who, out.pending, out.revealed); err != nil {
		return nil, err
	}
	f.ContinueWith = nil
	if out.showOnly {
		f.Active, f.TransientPayload = sub.Method, sub.TransientPayload
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &SettingsResult{Flow: f, Redirect: flowURL(s.cfg.settings.ui, f.ID)}, nil
	}
	f.State, f.Active, f.TransientPayload = StateSuccess, sub.Method, sub.TransientPayload
	f.UI.AddMessage(text.SettingsUpdateSuccess())
	// As Kratos: without return_to a browser goes back to the settings UI with this flow, which
	// says the change was saved.
	target := flowURL(s.cfg.settings.ui, f.ID)
	if f.ReturnTo != "" {
		if target, err = s.successTarget(f.ReturnTo, s.cfg.settings.afterReturn); err != nil {
			return nil, err
		}
	}
	f.ContinueWith = nil
	if f.Type == TypeBrowser {
		f.ContinueWith = []ContinueWith{continueWithRedirect(target)}
	}
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	return &SettingsResult{Flow: f, Redirect: target}, nil
}

// changesProtected says whether new traits change what Kratos protects outside the privileged
// window: the identifiers and the verifiable and recovery addresses. Traits the schema refuses
// are not protected changes; the identity service refuses them.
func (s *Service) changesProtected(ctx context.Context, schemaID string, old, updated json.RawMessage) bool {
	a, err := s.schemas.Extract(ctx, schemaID, old)
	if err != nil {
		return false
	}
	b, err := s.schemas.Extract(ctx, schemaID, updated)
	if err != nil {
		return false
	}
	for _, ct := range []schema.CredentialType{schema.CredentialPassword, schema.CredentialWebAuthn, schema.CredentialCode} {
		if !slices.Equal(sorted(a.Identifiers[ct]), sorted(b.Identifiers[ct])) {
			return true
		}
	}
	return !sameAddresses(a.VerifiableAddresses, b.VerifiableAddresses) || !sameAddresses(a.RecoveryAddresses, b.RecoveryAddresses)
}

func sorted(xs []string) []string {
	c := slices.Clone(xs)
	slices.Sort(c)
	return c
}

func sameAddresses(a, b []schema.Address) bool {
	key := func(xs []schema.Address) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = x.Via + ":" + x.Value
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(key(a), key(b))
}

// replaceExpiredSettings starts the flow that replaces an expired one and returns Kratos's 410
// naming it.
func (s *Service) replaceExpiredSettings(ctx context.Context, r *Request, old *stored[*SettingsFlow], now time.Time) error {
	o := old.rec.Flow
	who, err := s.accounts.GetIdentity(ctx, old.owner)
	if err != nil {
		return err
	}
	f := &SettingsFlow{
		ID: newFlowID(), Type: o.Type, IssuedAt: now, ExpiresAt: now.Add(s.cfg.settings.lifespan),
		RequestURL: o.RequestURL, ReturnTo: o.ReturnTo, State: StateShowForm,
	}
	token := replacementCSRF(r, f.Type)
	if err := s.buildSettingsForm(f, who, token); err != nil {
		return err
	}
	totpURL, err := s.addSecondFactorSettings(ctx, f, who, nil, false)
	if err != nil {
		return err
	}
	f.UI.AddMessage(text.SettingsFlowExpired(o.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.SettingsFlow, f.ID, old.owner, f.ExpiresAt,
		record[*SettingsFlow]{Flow: f, CSRFToken: token, SchemaID: who.SchemaID, TOTPURL: totpURL}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(o.ExpiresAt, now, f.ID, flowURL(s.cfg.settings.ui, f.ID))
}
