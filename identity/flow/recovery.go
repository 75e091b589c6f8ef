package flow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the recovery flow, as Kratos serves them, and the admin routes that make
// a recovery code or link for an identity.
const (
	RouteRecoveryInitBrowser = "/self-service/recovery/browser"
	RouteRecoveryInitAPI     = "/self-service/recovery/api"
	RouteRecoveryGet         = "/self-service/recovery/flows"
	RouteRecoverySubmit      = "/self-service/recovery"
	RouteAdminRecoveryCode   = "/admin/recovery/code"
	RouteAdminRecoveryLink   = "/admin/recovery/link"
)

// The courier's template types the recovery flow sends.
const (
	templateRecoveryCodeValid   = "recovery_code_valid"
	templateRecoveryCodeInvalid = "recovery_code_invalid"
	templateRecoveryLinkValid   = "recovery_valid"
	templateRecoveryLinkInvalid = "recovery_invalid"
)

// The authentication methods a session started by a recovery code or link records (Kratos's
// credentials types code_recovery and link_recovery), and the link method's name.
const (
	methodCodeRecovery = "code_recovery"
	methodLinkRecovery = "link_recovery"
	methodLink         = "link"
)

// linkTokenBytes is the size of a recovery link's token: 256 random bits, which no attempts
// limit needs to protect.
const linkTokenBytes = 32

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

// RecoveryLink is the admin API's recovery link for an identity, encoded as Kratos's
// recoveryLinkForIdentity.
type RecoveryLink struct {
	// RecoveryLink recovers the identity in the browser that opens it, once.
	RecoveryLink string `json:"recovery_link"`
	// ExpiresAt is when the flow, and with it the link, expires.
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
	f.UI = s.recoveryEmailForm(f.ID, token, "")
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

// recoveryEmailForm is the form that asks for the address (Kratos's choose_method state), for
// the method selfservice.flows.recovery.use names.
func (s *Service) recoveryEmailForm(id, csrf, email string) *ui.Container {
	if s.cfg.recoveryUse != UseLink {
		return s.emailForm(RouteRecoverySubmit, id, csrf, email)
	}
	return s.linkEmailForm(RouteRecoverySubmit, id, csrf, email)
}

// linkEmailForm is the link method's form that asks for an address, posting to route: the
// verification and recovery flows' with use: link, before and after a link was sent.
func (s *Service) linkEmailForm(route, id, csrf, email string) *ui.Container {
	c := s.cfg.container(route, id)
	setCSRF(c, csrf)
	var v any
	if email != "" {
		v = email
	}
	n := ui.NewInput(nodeEmail, v, ui.GroupLink, ui.InputTypeEmail).WithLabel(text.LabelEmail())
	n.Input().Required = true
	c.Nodes.Append(n)
	c.Nodes.Append(submitNode(methodLink, ui.GroupLink, text.LabelSubmit()))
	return c
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
	if err := s.checkNotExpired(f.Type, f.ExpiresAt, st.kind, f.ReturnTo); err != nil {
		return nil, err
	}
	return f, nil
}

// SubmitRecovery submits the recovery flow id, as POST /self-service/recovery?flow= with
// method=code: an email sends a code to that recovery address (a new one on each submission,
// the one before void), a code recovers the identity it was sent for: the flow passes, a
// session of the identity starts, and a settings flow of that session, privileged since it was
// just authenticated, lets the user set a new password. See [RecoveryResult] for the outcomes.
// With selfservice.flows.recovery.use: link the method is link and the email carries a link
// instead (see [Service.OpenRecoveryLink]); a flow of the admin API takes its code either way.
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
	link := s.cfg.recoveryUse == UseLink && !st.rec.SkipCSRF
	if m := codeMethod(sub); link && m != methodLink || !link && m != methodCode {
		return refuse(text.RecoveryNoStrategyFound(), "")
	}
	if sub.TransientPayload != nil {
		f.TransientPayload = sub.TransientPayload
	}
	// As Kratos: a code without an email is a code; an email sends a new code.
	if !link && sub.Email == "" && (sub.Code != "" || f.State == StateSentEmail) {
		return s.useRecoveryCode(ctx, r, st, sub.Code, now)
	}
	if err := s.refuseSignedIn(ctx, r, s.cfg.defaultReturn.String()); err != nil {
		return nil, err
	}
	email, bare := bareEmail(sub.Email)
	if email == "" {
		f.UI = s.recoveryEmailForm(f.ID, st.rec.CSRFToken, "")
		return refuse(text.Required(nodeEmail), nodeEmail)
	}
	if !bare {
		f.UI = s.recoveryEmailForm(f.ID, st.rec.CSRFToken, sub.Email)
		return refuse(text.ValidationGeneric(fmt.Sprintf("%q is not valid %q", sub.Email, "email")), nodeEmail)
	}
	return s.sendRecovery(ctx, st, email, link, now, redirect)
}

// sendRecovery sends a new recovery code, or a link when link, to email and moves the flow to
// sent_email; the code or link before it stops being valid. For an address no identity has, the
// owner is told that someone tried to recover an account with it (Kratos's recovery_code_invalid,
// recovery_invalid), and the flow answers exactly as for a known address. The flow is saved
// before the email is queued, so that a code that went out is always the one stored.
func (s *Service) sendRecovery(ctx context.Context, st *stored[*RecoveryFlow], email string, link bool, now time.Time, redirect string) (*RecoveryResult, error) {
	f := st.rec.Flow
	who, addr, err := s.accounts.FindRecoveryAddress(ctx, viaEmail, email)
	if err != nil && fault.CodeOf(err) != fault.NotFound {
		return nil, err
	}
	data := map[string]any{"To": email, "RequestURL": f.RequestURL, "TransientPayload": transientPayload(f.TransientPayload)}
	template := templateRecoveryCodeInvalid
	if link {
		template = templateRecoveryLinkInvalid
	}
	st.rec.Code, st.rec.Link = nil, nil
	if err == nil {
		identityData, err := identityMap(who)
		if err != nil {
			return nil, err
		}
		data["Identity"] = identityData
		sent := &codeState{Address: addr.Value, IdentityID: who.ID, AddressID: addr.ID}
		if link {
			token := newLinkToken()
			sent.MAC, sent.ExpiresAt = s.codeMAC(f.ID, token, s.cfg.codeKeys[0]), now.Add(s.cfg.recoveryLinkLifespan)
			st.rec.Link, template = sent, templateRecoveryLinkValid
			data["RecoveryURL"] = s.recoveryURL(f.ID, token)
		} else {
			code := newVerificationCode()
			sent.MAC, sent.ExpiresAt = s.codeMAC(f.ID, code, s.cfg.codeKeys[0]), now.Add(s.cfg.recoveryCodeLifespan)
			st.rec.Code, template = sent, templateRecoveryCodeValid
			data["RecoveryCode"] = code
		}
	}
	f.State = StateSentEmail
	if link {
		f.Active = methodLink
		f.UI = s.recoveryEmailForm(f.ID, st.rec.CSRFToken, email)
		f.UI.AddMessage(text.RecoveryEmailSent())
	} else {
		f.Active = methodCode
		s.recoveryCodeForm(f, st.rec.CSRFToken, email)
	}
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if _, err := s.cfg.courier.Enqueue(ctx, template, email, data); err != nil {
		return nil, err
	}
	return &RecoveryResult{Flow: f, Redirect: redirect}, nil
}

// newLinkToken returns a random link token, URL-safe.
func newLinkToken() string {
	b := make([]byte, linkTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// recoveryURL is the link of a recovery email: GET /self-service/recovery?flow=&token=.
func (s *Service) recoveryURL(id, token string) string {
	return s.cfg.publicPath(RouteRecoverySubmit, url.Values{"flow": {id}, "token": {token}})
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
	st.rec.Code = nil
	return s.passRecovery(ctx, r, st, f.Type, methodCodeRecovery, cs, res, now, text.RecoveryCodeInvalidOrAlreadyUsed())
}

// passRecovery passes the flow of st, whose code or link cs was just taken out of it, in one
// write that must find the flow at the version it was read at, and then recovers the identity
// (see recovered). When that fails the flow goes back to sent_email with failed: the code or
// link is spent, and a new one must be sent.
func (s *Service) passRecovery(ctx context.Context, r *Request, st *stored[*RecoveryFlow], t Type, method string, cs *codeState, res *RecoveryResult, now time.Time, failed text.Message) (*RecoveryResult, error) {
	f := st.rec.Flow
	f.State = StatePassedChallenge
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if err := s.recovered(ctx, r, f, t, method, cs, res, now); err != nil {
		f.State = StateSentEmail
		f.UI.AddMessage(failed)
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

// OpenRecoveryLink answers the link of a recovery email, GET /self-service/recovery?flow=&token=,
// in the browser that opens it, as Kratos's link method does: the right token, unspent and within
// its lifespan, passes the flow and signs that browser in (a link_recovery session and its
// settings flow: Redirect, with the cookies to set); any other is Kratos's 4060004 on a new
// browser flow that Redirect shows. The token is spent by its first use; 256 random bits need no
// attempts limit.
func (s *Service) OpenRecoveryLink(ctx context.Context, r *Request, id, token string) (_ *RecoveryResult, err error) {
	defer func() { err = inFlow(TypeBrowser, err) }()
	st, err := s.loadRecovery(ctx, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredRecovery(ctx, r, st, now)
	}
	cs := st.rec.Link
	if f.State != StateSentEmail || !s.codeAccepted(f.ID, cs, 1, token, now) {
		return s.retryRecovery(ctx, r, f, now, text.RecoveryTokenInvalidOrAlreadyUsed())
	}
	st.rec.Link = nil
	f.UI.ResetMessages()
	res := &RecoveryResult{Flow: f}
	return s.passRecovery(ctx, r, st, TypeBrowser, methodLinkRecovery, cs, res, now, text.RecoveryTokenInvalidOrAlreadyUsed())
}

// retryRecovery starts a new browser flow in place of old with msg, as Kratos's
// retryRecoveryFlow: the browser is sent to it.
func (s *Service) retryRecovery(ctx context.Context, r *Request, old *RecoveryFlow, now time.Time, msg text.Message) (*RecoveryResult, error) {
	f := &RecoveryFlow{
		ID: newFlowID(), Type: TypeBrowser, IssuedAt: now, ExpiresAt: now.Add(s.cfg.recovery.lifespan),
		RequestURL: old.RequestURL, ReturnTo: old.ReturnTo, State: StateChooseMethod,
	}
	token, cookie := csrfFor(r, TypeBrowser)
	f.UI = s.recoveryEmailForm(f.ID, token, "")
	f.UI.AddMessage(msg)
	if _, err := createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt,
		record[*RecoveryFlow]{Flow: f, CSRFToken: token}); err != nil {
		return nil, err
	}
	return &RecoveryResult{Flow: f, Refused: true, Redirect: flowURL(s.cfg.recovery.ui, f.ID), SetCSRFCookie: cookie}, nil
}

// recovered signs in the identity a code or link recovered, as a flow of type t: its session, the address verified (a code
// that reached it proves it, unless the admin API made the code), and the settings flow that
// sets a new password. The flow's continue_with (not stored: it holds an API flow's session
// token) and res say where the client goes.
func (s *Service) recovered(ctx context.Context, r *Request, f *RecoveryFlow, t Type, method string, cs *codeState, res *RecoveryResult, now time.Time) error {
	sess, token, err := s.accounts.IssueSession(ctx, cs.IdentityID,
		identity.AuthenticationMethod{Method: method, AAL: identity.AAL1, CompletedAt: now}, r.device())
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
	sf, err := s.startSettings(ctx, t, r, who, f.ReturnTo, &msg)
	if err != nil {
		return err
	}
	res.Redirect, res.SetCSRFCookie = sf.Redirect, sf.SetCSRFCookie
	res.Session, res.SessionToken = sess, token
	f.ContinueWith = nil
	if t == TypeAPI {
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
	f, who, err := s.adminRecoveryFlow(ctx, r, identityID, expiresIn, flowType, s.cfg.recoveryCodeLifespan)
	if err != nil {
		return nil, err
	}
	code := newVerificationCode()
	f.Active = methodCode
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

// CreateRecoveryLink makes a browser recovery flow for identityID and a link that recovers it in
// the browser that opens it, once, until the flow expires, as POST /admin/recovery/link;
// expiresIn defaults to the link lifespan. Errors as CreateRecoveryCode's.
func (s *Service) CreateRecoveryLink(ctx context.Context, r *Request, identityID, expiresIn string) (*RecoveryLink, error) {
	f, who, err := s.adminRecoveryFlow(ctx, r, identityID, expiresIn, string(TypeBrowser), s.cfg.recoveryLinkLifespan)
	if err != nil {
		return nil, err
	}
	token := newLinkToken()
	f.Active, f.UI = methodLink, s.recoveryEmailForm(f.ID, "", "")
	_, err = createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt, record[*RecoveryFlow]{
		Flow: f,
		Link: &codeState{IdentityID: who.ID, MAC: s.codeMAC(f.ID, token, s.cfg.codeKeys[0]), ExpiresAt: f.ExpiresAt, Admin: true},
	})
	if err != nil {
		return nil, err
	}
	return &RecoveryLink{RecoveryLink: s.recoveryURL(f.ID, token), ExpiresAt: f.ExpiresAt}, nil
}

// adminRecoveryFlow checks an admin request for a recovery code or link and returns its flow, in
// state sent_email, not stored yet, and the identity.
func (s *Service) adminRecoveryFlow(ctx context.Context, r *Request, identityID, expiresIn, flowType string, lifespan time.Duration) (*RecoveryFlow, *identity.Identity, error) {
	if !s.cfg.recoveryEnabled {
		return nil, nil, errNotFound("This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.")
	}
	if expiresIn != "" {
		d, err := time.ParseDuration(expiresIn)
		if err != nil {
			return nil, nil, errBadRequest("Unable to parse \"expires_in\" whose format should match \"[0-9]+(ns|us|ms|s|m|h)\" but did not: %s", expiresIn)
		}
		lifespan = d
	}
	if lifespan <= 0 {
		return nil, nil, errBadRequest("Value from \"expires_in\" must result to a future time: %s", lifespan)
	}
	t := TypeBrowser
	if flowType != "" {
		t = Type(flowType)
	}
	if _, err := parseType(t); err != nil {
		return nil, nil, errBadRequest("Value from \"flow_type\" is not valid: %q", flowType)
	}
	who, err := s.accounts.GetIdentity(ctx, identityID)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, nil, errNotFound("could not find identity").withCause(err)
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.cfg.now().UTC()
	return &RecoveryFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(lifespan),
		RequestURL: r.requestURL(), State: StateSentEmail,
	}, who, nil
}

// replaceExpiredRecovery starts the flow that replaces an expired one and returns Kratos's 410
// naming it.
func (s *Service) replaceExpiredRecovery(ctx context.Context, r *Request, old *stored[*RecoveryFlow], now time.Time) error {
	o := old.rec.Flow
	f := &RecoveryFlow{
		ID: newFlowID(), Type: o.Type, IssuedAt: now, ExpiresAt: now.Add(s.cfg.recovery.lifespan),
		RequestURL: o.RequestURL, ReturnTo: o.ReturnTo, State: StateChooseMethod,
	}
	token := replacementCSRF(r, f.Type)
	f.UI = s.recoveryEmailForm(f.ID, token, "")
	f.UI.AddMessage(text.RecoveryFlowExpired(o.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.RecoveryFlow, f.ID, "", f.ExpiresAt,
		record[*RecoveryFlow]{Flow: f, CSRFToken: token}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(o.ExpiresAt, now, f.ID, flowURL(s.cfg.recovery.ui, f.ID))
}
