package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the recovery flow, as Kratos serves them, and the admin route that makes
// a recovery code for an identity.
const (
	RouteRecoveryInitBrowser = "/self-service/recovery/browser"
	RouteRecoveryInitAPI     = "/self-service/recovery/api"
	RouteRecoveryGet         = "/self-service/recovery/flows"
	RouteRecoverySubmit      = "/self-service/recovery"
	RouteAdminRecoveryCode   = "/admin/recovery/code"
)

// The courier's template types the recovery flow sends.
const (
	templateRecoveryCodeValid   = "recovery_code_valid"
	templateRecoveryCodeInvalid = "recovery_code_invalid"
)

// methodCodeRecovery is the authentication method a session started by a recovery code records
// (Kratos's credentials type code_recovery).
const methodCodeRecovery = "code_recovery"

// RecoveryFlow is a recovery flow, encoded as Kratos's recoveryFlow.
type RecoveryFlow struct {
	ID               string          `json:"id"`
	Type             Type            `json:"type"`
	ExpiresAt        time.Time       `json:"expires_at"`
	IssuedAt         time.Time       `json:"issued_at"`
	RequestURL       string          `json:"request_url"`
	ReturnTo         string          `json:"return_to,omitempty"`
	Active           string          `json:"active,omitempty"`
	UI               *ui.Container   `json:"ui"`
	State            State           `json:"state"`
	ContinueWith     []ContinueWith  `json:"continue_with,omitempty"`
	TransientPayload json.RawMessage `json:"transient_payload,omitempty"`
}

// RecoveryResult is the answer to a recovery submission.
type RecoveryResult struct {
	// Flow is the flow after the submission: sent_email once a code went out (for an address no
	// identity has as well: the caller cannot tell the two apart), still sent_email with 4060006
	// for a wrong, spent or expired code, passed_challenge once a code recovered the identity.
	// A passed flow's continue_with says what the client does next: keep the session token (API
	// flows) and show the settings flow that sets a new password.
	Flow *RecoveryFlow
	// Refused says the submission was malformed (no email, another method, a flow already
	// passed): Kratos's 400 with the flow.
	Refused bool
	// Redirect is where a browser goes: the flow's UI, or once recovered the settings flow's.
	Redirect string
	// Session and SessionToken are the session a recovered browser's cookie holds (the token of
	// an API flow is in the flow's continue_with); nil and "" until the flow passed.
	Session      *identity.Session
	SessionToken string
	// SetCSRFCookie is the CSRF secret to set when the browser had none (a flow the admin API
	// made), "" to leave the cookie.
	SetCSRFCookie string
}

// RecoveryCode is the admin API's recovery code for an identity, encoded as Kratos's
// recoveryCodeForIdentity.
type RecoveryCode struct {
	// RecoveryLink opens the flow in the recovery UI, where the code is entered.
	RecoveryLink string `json:"recovery_link"`
	// RecoveryCode is the code; only its MAC is stored.
	RecoveryCode string `json:"recovery_code"`
	// ExpiresAt is when the flow, and with it the code, expires.
	ExpiresAt time.Time `json:"expires_at"`
}

func errRecoveryDisabled() *Error {
	return errBadRequest("Recovery is not allowed because it was disabled.")
}

// RecoveryEnabled says whether the recovery flow is on.
func (s *Service) RecoveryEnabled() bool { return s.cfg.recoveryEnabled }

// InitRecovery starts a recovery flow of type t, as GET /self-service/recovery/{browser,api}. A
// request with a session is Kratos's session_already_available: a browser that did not ask for
// JSON goes to the return_to URL instead.
func (s *Service) InitRecovery(ctx context.Context, t Type, r *Request) (*FlowInit[*RecoveryFlow], error) {
	if _, err := parseType(t); err != nil {
		return nil, err
	}
	if !s.cfg.recoveryEnabled {
		return nil, errRecoveryDisabled()
	}
	returnTo := r.query("return_to")
	target, err := s.cfg.returns.resolve(returnTo)
	if err != nil {
		return nil, err
	}
	if err := s.refuseSignedIn(ctx, r, target.String()); err != nil {
		return nil, err
	}
	now := s.cfg.now().UTC()
	f := &RecoveryFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(s.cfg.recovery.lifespan),
		RequestURL: r.requestURL(), ReturnTo: returnTo, State: StateChooseMethod,
	}
	token, cookie := csrfFor(r, t)
	f.UI = s.emailForm(RouteRecoverySubmit, f.ID, token, "")
	st, err := createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt,
		record[*RecoveryFlow]{Flow: f, CSRFToken: token})
	if err != nil {
		return nil, err
	}
	return &FlowInit[*RecoveryFlow]{Flow: st.rec.Flow, SetCSRFCookie: cookie, Redirect: flowURL(s.cfg.recovery.ui, f.ID)}, nil
}

// refuseSignedIn is Kratos's session_already_available when the request carries a session:
// whoever is signed in has no account to recover. A browser goes to redirect.
func (s *Service) refuseSignedIn(ctx context.Context, r *Request, redirect string) error {
	sess, err := s.session(ctx, r.SessionToken)
	if err != nil {
		return err
	}
	if sess != nil {
		e := errAlreadyLoggedIn("A valid session was detected and thus recovery is not possible.")
		e.Redirect = redirect
		return e
	}
	return nil
}

// recoveryCodeForm sets the form that asks for the recovery code sent to email (Kratos's
// sent_email state); email "" leaves out the resend button (a code of the admin API).
func (s *Service) recoveryCodeForm(f *RecoveryFlow, csrf, email string) {
	f.UI = s.codeForm(RouteRecoverySubmit, f.ID, csrf, email, text.LabelRecoveryCode(), text.RecoveryEmailWithCodeSent())
	if code := f.UI.Nodes.Find(nodeCode); code != nil {
		code.Input().Pattern, code.Input().MaxLength = "[0-9]+", codeDigits
	}
	if email == "" {
		f.UI.Nodes.Remove(nodeEmail)
		f.UI.ResetMessages()
	}
}

// loadRecovery reads the recovery flow id; 400 while recovery is disabled.
func (s *Service) loadRecovery(ctx context.Context, id string) (*stored[*RecoveryFlow], error) {
	if !s.cfg.recoveryEnabled {
		return nil, errRecoveryDisabled()
	}
	return loadRecord[*RecoveryFlow](ctx, s.st, store.RecoveryFlow, id)
}

// GetRecovery returns the recovery flow id, as GET /self-service/recovery/flows?id=, with
// GetLogin's checks; a flow of the admin API is shown to any browser, as no browser made it.
func (s *Service) GetRecovery(ctx context.Context, r *Request, id string) (*RecoveryFlow, error) {
	st, err := s.loadRecovery(ctx, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	if !st.rec.SkipCSRF {
		if err := checkBrowserOwns(r, f.Type, st.rec.CSRFToken); err != nil {
			return nil, err
		}
	}
	if f.ExpiresAt.Before(s.cfg.now()) {
		return nil, s.expiredOnGet(string(st.kind), RouteRecoveryInitBrowser, RouteRecoveryInitAPI, f.Type, f.ReturnTo)
	}
	return f, nil
}

// SubmitRecovery submits the recovery flow id, as POST /self-service/recovery?flow= with
// method=code: an email sends a code to that recovery address (a new one on each submission,
// the one before void), a code recovers the identity it was sent for: the flow passes, a
// session of the identity starts, and a settings flow of that session, privileged since it was
// just authenticated, lets the user set a new password. See [RecoveryResult] for the outcomes.
func (s *Service) SubmitRecovery(ctx context.Context, r *Request, id string) (_ *RecoveryResult, err error) {
	st, err := s.loadRecovery(ctx, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	defer func() { err = inFlow(f.Type, err) }()
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredRecovery(ctx, r, st, now)
	}
	var sub *Submission
	if st.rec.SkipCSRF {
		sub, err = ParseSubmission(r.ContentType, r.Body)
	} else {
		sub, err = readSubmission(r, f.Type)
	}
	if err != nil {
		return nil, err
	}
	redirect := flowURL(s.cfg.recovery.ui, f.ID)
	refuse := func(msg text.Message, field string) (*RecoveryResult, error) {
		f.UI.ResetMessages()
		f.UI.AddMessage(msg, field)
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &RecoveryResult{Flow: f, Refused: true, Redirect: redirect}, nil
	}
	if f.State == StatePassedChallenge {
		return refuse(text.RecoveryRetrySuccess(), "")
	}
	if codeMethod(sub) != methodCode {
		return refuse(text.RecoveryNoStrategyFound(), "")
	}
	if sub.TransientPayload != nil {
		f.TransientPayload = sub.TransientPayload
	}
	// As Kratos: a code without an email is a code; an email sends a new code.
	if sub.Email == "" && (sub.Code != "" || f.State == StateSentEmail) {
		return s.useRecoveryCode(ctx, r, st, sub.Code, now)
	}
	if err := s.refuseSignedIn(ctx, r, s.cfg.defaultReturn.String()); err != nil {
		return nil, err
	}
	email, bare := bareEmail(sub.Email)
	if email == "" {
		f.UI = s.emailForm(RouteRecoverySubmit, f.ID, st.rec.CSRFToken, "")
		return refuse(text.Required(nodeEmail), nodeEmail)
	}
	if !bare {
		f.UI = s.emailForm(RouteRecoverySubmit, f.ID, st.rec.CSRFToken, sub.Email)
		return refuse(text.ValidationGeneric(fmt.Sprintf("%q is not valid %q", sub.Email, "email")), nodeEmail)
	}
	return s.sendRecoveryCode(ctx, st, email, now, redirect)
}

// sendRecoveryCode sends a new recovery code to email and moves the flow to sent_email; the
// code before it stops being valid. For an address no identity has, the owner is told that
// someone tried to recover an account with it (Kratos's recovery_code_invalid), and the flow
// answers exactly as for a known address. The flow is saved before the email is queued, so that
// a code that went out is always the one stored.
func (s *Service) sendRecoveryCode(ctx context.Context, st *stored[*RecoveryFlow], email string, now time.Time, redirect string) (*RecoveryResult, error) {
	f := st.rec.Flow
	who, addr, err := s.accounts.FindRecoveryAddress(ctx, viaEmail, email)
	if err != nil && fault.CodeOf(err) != fault.NotFound {
		return nil, err
	}
	data := map[string]any{"To": email, "RequestURL": f.RequestURL, "TransientPayload": transientPayload(f.TransientPayload)}
	template := templateRecoveryCodeInvalid
	st.rec.Code = nil
	if err == nil {
		identityData, err := identityMap(who)
		if err != nil {
			return nil, err
		}
		code := newVerificationCode()
		st.rec.Code = &codeState{
			Address: addr.Value, IdentityID: who.ID, AddressID: addr.ID, MAC: s.codeMAC(f.ID, code, s.cfg.codeKeys[0]),
			ExpiresAt: now.Add(s.cfg.recoveryCodeLifespan),
		}
		template = templateRecoveryCodeValid
		data["RecoveryCode"] = code
		data["Identity"] = identityData
	}
	f.State, f.Active = StateSentEmail, methodCode
	s.recoveryCodeForm(f, st.rec.CSRFToken, email)
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if _, err := s.cfg.courier.Enqueue(ctx, template, email, data); err != nil {
		return nil, err
	}
	return &RecoveryResult{Flow: f, Redirect: redirect}, nil
}

// useRecoveryCode checks a submitted code, as useCode does for verification: each submission
// counts against the flow's attempts in the write that records its outcome; a wrong, spent or
// expired code keeps the flow in sent_email with 4060006. The right one is spent and the flow
// passed by that one write, before the session starts, so that a code recovers at most once.
func (s *Service) useRecoveryCode(ctx context.Context, r *Request, st *stored[*RecoveryFlow], submitted string, now time.Time) (*RecoveryResult, error) {
	f := st.rec.Flow
	st.rec.CodeAttempts++
	cs := st.rec.Code
	ok := s.codeAccepted(f.ID, cs, st.rec.CodeAttempts, submitted, now)
	res := &RecoveryResult{Flow: f, Redirect: flowURL(s.cfg.recovery.ui, f.ID)}
	f.UI.ResetMessages()
	if !ok {
		f.UI.AddMessage(text.RecoveryCodeInvalidOrAlreadyUsed())
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return res, nil
	}
	st.rec.Code, f.State = nil, StatePassedChallenge
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if err := s.recovered(ctx, r, f, cs, res, now); err != nil {
		// The code is spent; the flow goes back to waiting for one, and a new one must be sent.
		f.State = StateSentEmail
		f.UI.AddMessage(text.RecoveryCodeInvalidOrAlreadyUsed())
		if serr := st.save(ctx, s.st, now); serr != nil {
			return nil, fmt.Errorf("%w (and the flow could not be reset: %v)", err, serr)
		}
		if errors.Is(err, identity.ErrIdentityDisabled) {
			return nil, errIdentityDisabled()
		}
		if fault.CodeOf(err) == fault.NotFound {
			// The identity went away since the code was sent: the code was void.
			return res, nil
		}
		return nil, err
	}
	return res, nil
}

// recovered signs in the identity a code recovered: its session, the address verified (a code
// that reached it proves it, unless the admin API made the code), and the settings flow that
// sets a new password. The flow's continue_with (not stored: it holds an API flow's session
// token) and res say where the client goes.
func (s *Service) recovered(ctx context.Context, r *Request, f *RecoveryFlow, cs *codeState, res *RecoveryResult, now time.Time) error {
	sess, token, err := s.accounts.IssueSession(ctx, cs.IdentityID,
		identity.AuthenticationMethod{Method: methodCodeRecovery, AAL: identity.AAL1, CompletedAt: now}, r.device())
	if err != nil {
		return err
	}
	if !cs.Admin {
		if err := s.verifyRecoveredAddress(ctx, cs); err != nil {
			return err
		}
	}
	who, err := s.accounts.GetIdentity(ctx, cs.IdentityID)
	if err != nil {
		return err
	}
	msg := text.RecoverySuccessful(now.Add(s.cfg.privilegedMaxAge), now)
	sf, err := s.startSettings(ctx, f.Type, r, who, f.ReturnTo, &msg)
	if err != nil {
		return err
	}
	res.Redirect, res.SetCSRFCookie = sf.Redirect, sf.SetCSRFCookie
	res.Session, res.SessionToken = sess, token
	f.ContinueWith = nil
	if f.Type == TypeAPI {
		f.ContinueWith = append(f.ContinueWith, continueWithToken(token))
	}
	f.ContinueWith = append(f.ContinueWith, ContinueWith{Action: ActionShowSettingsUI, Flow: &ContinueWithFlow{ID: sf.Flow.ID, URL: sf.Redirect}})
	return nil
}

// verifyRecoveredAddress marks verified the verifiable address of the recovery address a code
// went to, as Kratos does, when it is not verified yet.
func (s *Service) verifyRecoveredAddress(ctx context.Context, cs *codeState) error {
	who, addr, err := s.accounts.FindVerifiableAddress(ctx, viaEmail, cs.Address)
	switch {
	case fault.CodeOf(err) == fault.NotFound:
		return nil
	case err != nil:
		return err
	case who.ID != cs.IdentityID || addr.Verified:
		return nil
	}
	if err := s.accounts.MarkAddressVerified(ctx, who.ID, addr.ID); err != nil && fault.CodeOf(err) != fault.NotFound {
		return err
	}
	return nil
}

// CreateRecoveryCode makes a recovery flow for identityID and a code for it that expires with the
// flow, as POST /admin/recovery/code: the admin hands the link and the code to the user out of
// band. expiresIn is Kratos's expires_in, a Go duration ("" for the code lifespan); flowType is
// flow_type, "browser" when "". The flow takes the code from any browser (no browser holds its
// CSRF secret), with the usual attempts limit; the code recovers nothing in another flow.
// Kratos's 404 when recovery is off or there is no such identity, 400 for a bad expires_in or
// flow_type.
func (s *Service) CreateRecoveryCode(ctx context.Context, r *Request, identityID, expiresIn, flowType string) (*RecoveryCode, error) {
	if !s.cfg.recoveryEnabled {
		return nil, errNotFound("This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.")
	}
	lifespan := s.cfg.recoveryCodeLifespan
	if expiresIn != "" {
		d, err := time.ParseDuration(expiresIn)
		if err != nil {
			return nil, errBadRequest("Unable to parse \"expires_in\" whose format should match \"[0-9]+(ns|us|ms|s|m|h)\" but did not: %s", expiresIn)
		}
		lifespan = d
	}
	if lifespan <= 0 {
		return nil, errBadRequest("Value from \"expires_in\" must result to a future time: %s", lifespan)
	}
	t := TypeBrowser
	if flowType != "" {
		t = Type(flowType)
	}
	if _, err := parseType(t); err != nil {
		return nil, errBadRequest("Value from \"flow_type\" is not valid: %q", flowType)
	}
	who, err := s.accounts.GetIdentity(ctx, identityID)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, errNotFound("could not find identity").withCause(err)
	}
	if err != nil {
		return nil, err
	}
	now := s.cfg.now().UTC()
	f := &RecoveryFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(lifespan),
		RequestURL: r.requestURL(), State: StateSentEmail, Active: methodCode,
	}
	code := newVerificationCode()
	s.recoveryCodeForm(f, "", "")
	_, err = createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt, record[*RecoveryFlow]{
		Flow: f, SkipCSRF: true,
		Code: &codeState{IdentityID: who.ID, MAC: s.codeMAC(f.ID, code, s.cfg.codeKeys[0]), ExpiresAt: f.ExpiresAt, Admin: true},
	})
	if err != nil {
		return nil, err
	}
	return &RecoveryCode{RecoveryLink: flowURL(s.cfg.recovery.ui, f.ID), RecoveryCode: code, ExpiresAt: f.ExpiresAt}, nil
}

// replaceExpiredRecovery starts the flow that replaces an expired one and returns Kratos's 410
// naming it.
func (s *Service) replaceExpiredRecovery(ctx context.Context, r *Request, old *stored[*RecoveryFlow], now time.Time) error {
	o := old.rec.Flow
	f := &RecoveryFlow{
		ID: newFlowID(), Type: o.Type, IssuedAt: now, ExpiresAt: now.Add(s.cfg.recovery.lifespan),
		RequestURL: o.RequestURL, ReturnTo: o.ReturnTo, State: StateChooseMethod,
	}
	token := ""
	if f.Type == TypeBrowser && ValidCSRFSecret(r.CSRFCookie) {
		token = maskCSRF(r.CSRFCookie)
	}
	f.UI = s.emailForm(RouteRecoverySubmit, f.ID, token, "")
	f.UI.AddMessage(text.RecoveryFlowExpired(o.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt,
		record[*RecoveryFlow]{Flow: f, CSRFToken: token}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(o.ExpiresAt, now, f.ID, flowURL(s.cfg.recovery.ui, f.ID))
}
