package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
	"github.com/wardhq/ward/store"
)

// The public routes of the verification flow, as Kratos serves them.
const (
	RouteVerificationInitBrowser = "/self-service/verification/browser"
	RouteVerificationInitAPI     = "/self-service/verification/api"
	RouteVerificationGet         = "/self-service/verification/flows"
	RouteVerificationSubmit      = "/self-service/verification"
)

// The code method's names.
const (
	methodCode = "code"
	nodeEmail  = "email"
	nodeCode   = "code"
	nodeCont   = "continue"
	viaEmail   = "email"
)

// The courier's template types the verification flow sends.
const (
	templateCodeValid   = "verification_code_valid"
	templateCodeInvalid = "verification_code_invalid"
	templateLinkValid   = "verification_valid"
	templateLinkInvalid = "verification_invalid"
)

// Courier queues an email: *courier.Courier implements it.
type Courier interface {
	Enqueue(ctx context.Context, template, recipient string, data map[string]any) (string, error)
}

// VerificationFlow is a verification flow, encoded as Kratos's verificationFlow.
type VerificationFlow struct {
	ID               string          `json:"id"`
	Type             Type            `json:"type"`
	ExpiresAt        time.Time       `json:"expires_at"`
	IssuedAt         time.Time       `json:"issued_at"`
	RequestURL       string          `json:"request_url"`
	ReturnTo         string          `json:"return_to,omitempty"`
	Active           string          `json:"active,omitempty"`
	UI               *ui.Container   `json:"ui"`
	State            State           `json:"state"`
	TransientPayload json.RawMessage `json:"transient_payload,omitempty"`
}

// VerificationResult is the answer to a verification submission.
type VerificationResult struct {
	// Flow is the flow after the submission: sent_email once a code went out (or, for an
	// address no identity has, once the owner was told: the caller cannot tell the two apart),
	// still sent_email with 4070006 for a wrong code, passed_challenge once the address is
	// verified.
	Flow *VerificationFlow
	// Refused says the submission was malformed (no email, another method, a flow already
	// passed): Kratos's 400 with the flow.
	Refused bool
	// Redirect is where a browser goes: the flow's UI.
	Redirect string
}

func errVerificationDisabled() *Error {
	return errBadRequest("Verification is not allowed because it was disabled.")
}

// InitVerification starts a verification flow of type t, as GET
// /self-service/verification/{browser,api}. It needs no session, as in Kratos.
func (s *Service) InitVerification(ctx context.Context, t Type, r *Request) (*FlowInit[*VerificationFlow], error) {
	if _, err := parseType(t); err != nil {
		return nil, err
	}
	if !s.cfg.verificationEnabled {
		return nil, errVerificationDisabled()
	}
	returnTo := r.query("return_to")
	if _, err := s.cfg.returns.resolve(returnTo); err != nil {
		return nil, err
	}
	now := s.cfg.now().UTC()
	f := &VerificationFlow{
		ID: newFlowID(), Type: t, IssuedAt: now, ExpiresAt: now.Add(s.cfg.verification.lifespan),
		RequestURL: r.requestURL(), ReturnTo: returnTo, State: StateChooseMethod,
	}
	token, cookie := csrfFor(r, t)
	s.chooseMethodForm(f, token, "")
	st, err := createRecord(ctx, s.st, store.VerificationFlow, f.ID, "", f.ExpiresAt,
		record[*VerificationFlow]{Flow: f, CSRFToken: token})
	if err != nil {
		return nil, err
	}
	return &FlowInit[*VerificationFlow]{Flow: st.rec.Flow, SetCSRFCookie: cookie, Redirect: flowURL(s.cfg.verification.ui, f.ID)}, nil
}

// chooseMethodForm sets the form that asks for the address (Kratos's choose_method state).
func (s *Service) chooseMethodForm(f *VerificationFlow, csrf, email string) {
	if s.cfg.verificationUse == UseLink {
		f.UI = s.linkEmailForm(RouteVerificationSubmit, f.ID, csrf, email)
		return
	}
	f.UI = s.emailForm(RouteVerificationSubmit, f.ID, csrf, email)
}

// emailForm is the code method's form that asks for an address, posting to route: the
// choose_method state of the verification and recovery flows.
func (s *Service) emailForm(route, id, csrf, email string) *ui.Container {
	c := s.cfg.container(route, id)
	setCSRF(c, csrf)
	var v any
	if email != "" {
		v = email
	}
	c.Nodes.Append(emailNode(v))
	c.Nodes.Append(submitNode(methodCode, ui.GroupCode, text.LabelContinue()))
	return c
}

func emailNode(value any) *ui.Node {
	n := ui.NewInput(nodeEmail, value, ui.GroupCode, ui.InputTypeEmail).WithLabel(text.LabelEmail())
	n.Input().Required = true
	return n
}

// sentEmailForm sets the form that asks for the code (Kratos's sent_email state): the code, and
// a button that sends a new code to email.
func (s *Service) sentEmailForm(f *VerificationFlow, csrf, email string) {
	f.UI = s.codeForm(RouteVerificationSubmit, f.ID, csrf, email, text.LabelVerificationCode(), text.VerificationEmailWithCodeSent())
}

// codeForm is the code method's form that asks for the code sent to email, posting to route,
// with the code's label and the message that says it was sent; its resend button sends a new
// code to email. The sent_email state of the verification and recovery flows.
func (s *Service) codeForm(route, id, csrf, email string, label, sent text.Message) *ui.Container {
	c := s.cfg.container(route, id)
	setCSRF(c, csrf)
	c.Nodes.Upsert(ui.NewInput(nodeMethod, methodCode, ui.GroupCode, ui.InputTypeHidden))
	code := ui.NewInput(nodeCode, nil, ui.GroupCode, ui.InputTypeText).WithLabel(label)
	code.Input().Required = true
	c.Nodes.Upsert(code)
	c.Nodes.Append(submitNode(methodCode, ui.GroupCode, text.LabelContinue()))
	c.Nodes.Append(ui.NewInput(nodeEmail, email, ui.GroupCode, ui.InputTypeSubmit).WithLabel(text.LabelResendOTP()))
	c.AddMessage(sent)
	return c
}

// loadVerification reads the verification flow id; 400 while verification is disabled.
func (s *Service) loadVerification(ctx context.Context, id string) (*stored[*VerificationFlow], error) {
	if !s.cfg.verificationEnabled {
		return nil, errVerificationDisabled()
	}
	return loadRecord[*VerificationFlow](ctx, s.st, store.VerificationFlow, id)
}

// GetVerification returns the verification flow id, as GET /self-service/verification/flows?id=,
// with GetLogin's checks.
func (s *Service) GetVerification(ctx context.Context, r *Request, id string) (*VerificationFlow, error) {
	st, err := s.loadVerification(ctx, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	if err := s.checkShown(r, f.Type, st.rec.CSRFToken, f.ExpiresAt, st.kind, f.ReturnTo); err != nil {
		return nil, err
	}
	return f, nil
}

// SubmitVerification submits the verification flow id, as POST /self-service/verification?flow=
// with method=code: an email sends a code to that address (a new one on each submission), a
// code verifies the address it was sent to. See [VerificationResult] for the outcomes.
func (s *Service) SubmitVerification(ctx context.Context, r *Request, id string) (_ *VerificationResult, err error) {
	st, err := s.loadVerification(ctx, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	defer func() { err = inFlow(f.Type, err) }()
	now := s.cfg.now().UTC()
	if f.ExpiresAt.Before(now) {
		return nil, s.replaceExpiredVerification(ctx, r, st, now)
	}
	sub, err := readSubmission(r, f.Type)
	if err != nil {
		return nil, err
	}
	redirect := flowURL(s.cfg.verification.ui, f.ID)
	refuse := func(msg text.Message, field string) (*VerificationResult, error) {
		f.UI.ResetMessages()
		f.UI.AddMessage(msg, field)
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return &VerificationResult{Flow: f, Refused: true, Redirect: redirect}, nil
	}
	if f.State == StatePassedChallenge {
		return refuse(text.VerificationRetrySuccess(), "")
	}
	link := s.cfg.verificationUse == UseLink
	if m := codeMethod(sub); link && m != methodLink || !link && m != methodCode {
		return refuse(text.VerificationNoStrategyFound(), "")
	}
	if sub.TransientPayload != nil {
		f.TransientPayload = sub.TransientPayload
	}
	if !link && sub.Code != "" {
		return s.useCode(ctx, st, sub.Code, now, redirect)
	}
	email, bare := bareEmail(sub.Email)
	if email == "" {
		if f.State == StateChooseMethod {
			s.chooseMethodForm(f, st.rec.CSRFToken, "")
		}
		if f.UI.Nodes.Find(nodeEmail) == nil {
			f.UI.Nodes.Append(emailNode(nil))
		}
		return refuse(text.Required(nodeEmail), nodeEmail)
	}
	if !bare {
		if f.State == StateChooseMethod {
			s.chooseMethodForm(f, st.rec.CSRFToken, sub.Email)
		}
		return refuse(text.ValidationGeneric(fmt.Sprintf("%q is not valid %q", sub.Email, "email")), nodeEmail)
	}
	return s.sendCode(ctx, st, email, now, redirect)
}

// sendCode sends a new code to email and moves the flow to sent_email; the code before it stops
// being valid. For an address no identity has, the owner is told that someone tried to verify
// it, and the flow answers exactly as for a known address: nobody learns which addresses have
// accounts. The flow is saved before the email is queued, so that a code that went out is always
// the one stored.
func (s *Service) sendCode(ctx context.Context, st *stored[*VerificationFlow], email string, now time.Time, redirect string) (*VerificationResult, error) {
	f := st.rec.Flow
	who, addr, err := s.accounts.FindVerifiableAddress(ctx, viaEmail, email)
	known := err == nil
	if err != nil && fault.CodeOf(err) != fault.NotFound {
		return nil, err
	}
	data := map[string]any{"To": email, "RequestURL": f.RequestURL, "TransientPayload": transientPayload(f.TransientPayload)}
	link := s.cfg.verificationUse == UseLink
	template := templateCodeInvalid
	if link {
		template = templateLinkInvalid
	}
	st.rec.Code, st.rec.Link = nil, nil
	if known {
		identityData, err := identityMap(who)
		if err != nil {
			return nil, err
		}
		data["Identity"] = identityData
		sent := &codeState{Address: addr.Value, IdentityID: who.ID, AddressID: addr.ID}
		if link {
			token := newLinkToken()
			sent.MAC, st.rec.Link, template = s.codeMAC(f.ID, token, s.cfg.codeKeys[0]), sent, templateLinkValid
			data["VerificationURL"] = s.cfg.publicPath(RouteVerificationSubmit, url.Values{"flow": {f.ID}, "token": {token}})
		} else {
			code := newVerificationCode()
			sent.MAC, st.rec.Code, template = s.codeMAC(f.ID, code, s.cfg.codeKeys[0]), sent, templateCodeValid
			data["VerificationCode"] = code
			data["VerificationURL"] = s.cfg.publicPath(RouteVerificationSubmit, url.Values{"flow": {f.ID}, "code": {code}})
		}
	}
	f.State, f.Active = StateSentEmail, methodCode
	if link {
		f.Active = methodLink
		f.UI = s.linkEmailForm(RouteVerificationSubmit, f.ID, st.rec.CSRFToken, email)
		f.UI.AddMessage(text.VerificationEmailSent())
	} else {
		s.sentEmailForm(f, st.rec.CSRFToken, email)
	}
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if _, err := s.cfg.courier.Enqueue(ctx, template, email, data); err != nil {
		return nil, err
	}
	// Only a pending address is written to: the answer for a known address costs no more store
	// work than for an unknown one once its first code went out.
	if known && addr.Status == identity.AddressPending {
		if err := s.accounts.MarkAddressSent(ctx, who.ID, addr.ID); err != nil && fault.CodeOf(err) != fault.NotFound {
			return nil, err
		}
	}
	return &VerificationResult{Flow: f, Redirect: redirect}, nil
}

// useCode checks a submitted code. Each submission counts against the flow's attempts, in the
// same write that records its outcome, which must find the flow at the version it was read at:
// of guesses submitted at once, only those whose write lands have any effect, and every one of
// them is counted (the others are 409 whether they were right or wrong). A wrong code keeps the
// flow in sent_email with 4070006, as a spent one does. The right one is spent and the flow
// passed by that one write, before the address is marked verified, so that a code verifies at
// most once.
func (s *Service) useCode(ctx context.Context, st *stored[*VerificationFlow], submitted string, now time.Time, redirect string) (*VerificationResult, error) {
	f := st.rec.Flow
	st.rec.CodeAttempts++
	cs := st.rec.Code
	res := &VerificationResult{Flow: f, Redirect: redirect}
	if !s.codeAccepted(f.ID, cs, st.rec.CodeAttempts, submitted, now) {
		f.UI.ResetMessages()
		f.UI.AddMessage(text.VerificationCodeInvalidOrAlreadyUsed())
		if err := st.save(ctx, s.st, now); err != nil {
			return nil, err
		}
		return res, nil
	}
	st.rec.Code = nil
	return s.passVerification(ctx, st, cs, now, res, text.VerificationCodeInvalidOrAlreadyUsed())
}

// passVerification passes the flow of st, whose code or link cs was just taken out of it, in
// the write that spends it, and then marks the address verified. When that fails the flow goes
// back to the form it had, with failed: the code or link is spent, and a new one must be sent.
func (s *Service) passVerification(ctx context.Context, st *stored[*VerificationFlow], cs *codeState, now time.Time, res *VerificationResult, failed text.Message) (*VerificationResult, error) {
	f := st.rec.Flow
	target, err := s.successTarget(f.ReturnTo, s.cfg.verification.afterReturn)
	if err != nil {
		return nil, err
	}
	sent, state := f.UI, f.State
	f.State = StatePassedChallenge
	f.UI = &ui.Container{Action: target, Method: http.MethodGet, Nodes: ui.Nodes{}}
	f.UI.AddMessage(text.VerificationSuccessful())
	f.UI.Nodes.Append(ui.NewAnchor(nodeCont, target, text.LabelContinue(), ui.GroupCode).WithLabel(text.LabelContinue()))
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	if err := s.accounts.MarkAddressVerified(ctx, cs.IdentityID, cs.AddressID); err != nil {
		// The flow goes back to waiting, its code spent: a new one must be sent.
		f.State, f.UI = state, sent
		f.UI.ResetMessages()
		f.UI.AddMessage(failed)
		if serr := st.save(ctx, s.st, now); serr != nil {
			return nil, fmt.Errorf("%w (and the flow could not be reset: %v)", err, serr)
		}
		if fault.CodeOf(err) != fault.NotFound {
			return nil, err
		}
		// The identity or address went away since the code was sent: the code was void.
		return res, nil
	}
	return res, nil
}

// VerifyLink answers the link of a verification email with use: link, GET
// /self-service/verification?flow=&token=: the right token, unspent, verifies the address it
// was sent to and passes the flow; any other is Kratos's 4070005 on the flow. Either way the
// browser goes to the flow's UI. The token is spent by its first use; 256 random bits need no
// attempts limit.
func (s *Service) VerifyLink(ctx context.Context, r *Request, id, token string) (_ *VerificationResult, err error) {
	defer func() { err = inFlow(TypeBrowser, err) }()
	st, now, err := s.openedVerification(ctx, r, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	res := &VerificationResult{Flow: f, Redirect: flowURL(s.cfg.verification.ui, f.ID)}
	cs := st.rec.Link
	if f.State != StateSentEmail || !s.codeAccepted(f.ID, cs, 1, token, now) {
		if f.State != StatePassedChallenge {
			f.UI.ResetMessages()
			f.UI.AddMessage(text.VerificationTokenInvalidOrAlreadyUsed())
			if err := st.save(ctx, s.st, now); err != nil {
				return nil, err
			}
		}
		res.Refused = true
		return res, nil
	}
	st.rec.Link = nil
	return s.passVerification(ctx, st, cs, now, res, text.VerificationTokenInvalidOrAlreadyUsed())
}

// openedVerification reads the flow an email's link names, and the time now; an expired flow is
// replaced (Kratos's 410 naming the new one).
func (s *Service) openedVerification(ctx context.Context, r *Request, id string) (*stored[*VerificationFlow], time.Time, error) {
	st, err := s.loadVerification(ctx, id)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := s.cfg.now().UTC()
	if st.rec.Flow.ExpiresAt.Before(now) {
		return nil, now, s.replaceExpiredVerification(ctx, r, st, now)
	}
	return st, now, nil
}

// OpenVerificationLink answers the link of a verification email, GET
// /self-service/verification?flow=&code=, as Kratos does: the code is filled into the flow's form
// and the browser is sent to the flow's UI, which submits it. Nothing is verified by the GET: a
// mail scanner that follows links spends no code and no attempt. The form's CSRF token becomes
// the clicking browser's (a new secret when it has none, in SetCSRFCookie), since a link opened
// from an email has no token of its own; the POST then checks it as usual.
func (s *Service) OpenVerificationLink(ctx context.Context, r *Request, id, code string) (*FlowInit[*VerificationFlow], error) {
	st, now, err := s.openedVerification(ctx, r, id)
	if err != nil {
		return nil, err
	}
	f := st.rec.Flow
	res := &FlowInit[*VerificationFlow]{Flow: f, Redirect: flowURL(s.cfg.verification.ui, f.ID)}
	if f.State != StateSentEmail {
		return res, nil
	}
	f.UI.Nodes.SetValue(nodeCode, strings.TrimSpace(code))
	if f.Type == TypeBrowser {
		st.rec.CSRFToken, res.SetCSRFCookie = csrfFor(r, TypeBrowser)
		setCSRF(f.UI, st.rec.CSRFToken)
	}
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	return res, nil
}

// replaceExpiredVerification starts the flow that replaces an expired one and returns Kratos's
// 410 naming it.
func (s *Service) replaceExpiredVerification(ctx context.Context, r *Request, old *stored[*VerificationFlow], now time.Time) error {
	o := old.rec.Flow
	f := &VerificationFlow{
		ID: newFlowID(), Type: o.Type, IssuedAt: now, ExpiresAt: now.Add(s.cfg.verification.lifespan),
		RequestURL: o.RequestURL, ReturnTo: o.ReturnTo, State: StateChooseMethod,
	}
	token := replacementCSRF(r, f.Type)
	s.chooseMethodForm(f, token, "")
	f.UI.AddMessage(text.VerificationFlowExpired(o.ExpiresAt, now))
	if _, err := createRecord(ctx, s.st, store.VerificationFlow, f.ID, "", f.ExpiresAt,
		record[*VerificationFlow]{Flow: f, CSRFToken: token}); err != nil {
		return err
	}
	return errFlowExpiredOnSubmit(o.ExpiresAt, now, f.ID, flowURL(s.cfg.verification.ui, f.ID))
}

// transientPayload is the flow's transient_payload for a template: an object, empty when none.
func transientPayload(raw json.RawMessage) map[string]any {
	m := map[string]any{}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &m) // checked to be an object when submitted
	}
	return m
}

// identityMap is the identity as a template sees it: its JSON encoding, as Kratos's models hold it.
func identityMap(i *identity.Identity) (map[string]any, error) {
	b, err := json.Marshal(i)
	if err != nil {
		return nil, fault.Bugf("encode identity %s: %v", i.ID, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fault.Bugf("decode identity %s: %v", i.ID, err)
	}
	return m, nil
}
