package flow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image/png"
	"net/url"
	"strconv"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/wardhq/ward/fault"
	"github.com/wardhq/ward/identity"
	"github.com/wardhq/ward/identity/text"
	"github.com/wardhq/ward/identity/ui"
)

// The second factors' method names, as Kratos's strategies are called.
const (
	methodTOTP   = "totp"
	methodLookup = "lookup_secret"
)

// Kratos's TOTP keys: 160-bit secrets, six digits, 30-second periods; a 256×256 QR code.
const (
	totpSecretBytes = 160 / 8
	totpQRSize      = 256
	// lookupCodeCount recovery codes of lookupCodeLength characters of lookupAlphabet, as
	// Kratos makes them.
	lookupCodeCount  = 12
	lookupCodeLength = 8
	lookupAlphabet   = "abcdefghijklmnopqrstuvwxyz0123456789"
)

// SecondFactors is what the flows need of the identity service for second factors: the
// methods of [*identity.Service] they call.
type SecondFactors interface {
	// WhoamiRequiredAAL is session.whoami.required_aal.
	WhoamiRequiredAAL() string
	// SetTOTP sets identityID's TOTP key; RemoveTOTP removes it.
	SetTOTP(ctx context.Context, identityID, keyURL string) error
	RemoveTOTP(ctx context.Context, identityID string) error
	// VerifyTOTP checks a code of identityID's key: identity.ErrInvalidCredentials when wrong.
	VerifyTOTP(ctx context.Context, identityID, code string) error
	// LookupSecrets returns identityID's recovery codes; SetLookupSecrets replaces them (none
	// removes them); UseLookupSecret spends one (identity.ErrInvalidCredentials when none is).
	LookupSecrets(ctx context.Context, identityID string) ([]identity.LookupSecret, error)
	SetLookupSecrets(ctx context.Context, identityID string, codes []string) error
	UseLookupSecret(ctx context.Context, identityID, code string) error
	// AddAuthenticationMethod records a method completed in the session with this ID.
	AddAuthenticationMethod(ctx context.Context, id string, m identity.AuthenticationMethod) (*identity.Session, error)
}

// SecondFactorConfig is Kratos's selfservice.methods.totp and selfservice.methods.lookup_secret,
// with selfservice.flows.settings.required_aal.
type SecondFactorConfig struct {
	// TOTPEnabled is selfservice.methods.totp.enabled: default false, as in Kratos.
	TOTPEnabled bool
	// TOTPIssuer is selfservice.methods.totp.config.issuer, the name authenticator apps show;
	// default the public URL's host name, as in Kratos.
	TOTPIssuer string
	// LookupSecretEnabled is selfservice.methods.lookup_secret.enabled: default false.
	LookupSecretEnabled bool
	// SettingsRequiredAAL is selfservice.flows.settings.required_aal: identity.RequiredAALHighest
	// (the default: a session of an identity with a second factor must have used it to change
	// settings) or "aal1".
	SettingsRequiredAAL string
}

// secondFactorSettings is a checked SecondFactorConfig.
type secondFactorSettings struct {
	totp, lookup        bool
	issuer              string
	settingsRequiredAAL string
}

func (c SecondFactorConfig) check(public *url.URL) (secondFactorSettings, error) {
	s := secondFactorSettings{totp: c.TOTPEnabled, lookup: c.LookupSecretEnabled, issuer: c.TOTPIssuer,
		settingsRequiredAAL: c.SettingsRequiredAAL}
	if s.issuer == "" {
		s.issuer = public.Hostname()
	}
	switch s.settingsRequiredAAL {
	case "":
		s.settingsRequiredAAL = identity.RequiredAALHighest
	case AAL1, identity.RequiredAALHighest:
	default:
		return s, fault.Invalid("selfservice.flows.settings.required_aal", "want aal1 or highest_available, not %q", c.SettingsRequiredAAL)
	}
	return s, nil
}

// SecondFactorFields are the fields of the TOTP and lookup_secret methods' submissions, as
// Kratos's updateLoginFlowWithTotpMethod, updateSettingsFlowWithTotpMethod and their lookup
// counterparts name them.
type SecondFactorFields struct {
	TOTPCode     string // totp_code
	TOTPUnlink   bool   // totp_unlink
	LookupSecret string // lookup_secret: a recovery code, at login
	// The lookup_secret method's settings actions.
	LookupReveal, LookupRegenerate, LookupConfirm, LookupDisable bool
}

func (f *SecondFactorFields) bools() map[string]*bool {
	return map[string]*bool{
		ui.TOTPUnlink: &f.TOTPUnlink, ui.LookupReveal: &f.LookupReveal, ui.LookupRegenerate: &f.LookupRegenerate,
		ui.LookupConfirm: &f.LookupConfirm, ui.LookupDisable: &f.LookupDisable,
	}
}

func isSecondFactorField(k string) bool {
	_, ok := (&SecondFactorFields{}).bools()[k]
	return ok || k == ui.TOTPCode || k == ui.LookupCodeEnter
}

// setSecondFactorForm takes the form field k when it is one of the second factors'; false when
// it is not.
func (s *Submission) setSecondFactorForm(k, v string) bool {
	switch k {
	case ui.TOTPCode:
		s.TOTPCode = v
		return true
	case ui.LookupCodeEnter:
		s.LookupSecret = v
		return true
	}
	if b, ok := s.bools()[k]; ok {
		*b, _ = strconv.ParseBool(v)
		return true
	}
	return false
}

// setSecondFactorJSON takes the JSON member k, one of the second factors' fields.
func (s *Submission) setSecondFactorJSON(k string, raw json.RawMessage) error {
	switch k {
	case ui.TOTPCode:
		return jsonString(k, raw, &s.TOTPCode)
	case ui.LookupCodeEnter:
		return jsonString(k, raw, &s.LookupSecret)
	}
	b := s.bools()[k]
	if string(raw) == "null" {
		return nil
	}
	if json.Unmarshal(raw, b) == nil {
		return nil
	}
	// A form followed as JSON sends "true".
	var str string
	if json.Unmarshal(raw, &str) == nil {
		if v, err := strconv.ParseBool(str); err == nil {
			*b = v
			return nil
		}
	}
	return errBadRequest("The value of %q must be a boolean.", k)
}

// secondFactorsOf says which enabled second factors the identity has set up.
func (s *Service) secondFactorsOf(who *identity.Identity) (hasTOTP, hasLookup bool) {
	_, hasTOTP = who.Credentials[identity.CredentialTOTP]
	_, hasLookup = who.Credentials[identity.CredentialLookupSecret]
	return hasTOTP && s.cfg.secondFactors.totp, hasLookup && s.cfg.secondFactors.lookup
}

// aal2LoginURL is the browser login that takes a session to aal2 and goes on to returnTo ("" for
// none), as Kratos's DoesSessionSatisfy names it.
func (s *Service) aal2LoginURL(returnTo string) string {
	q := url.Values{"aal": {AAL2}}
	if returnTo != "" {
		q.Set("return_to", returnTo)
	}
	return s.cfg.publicPath(RouteLoginInitBrowser, q)
}

// buildAAL2LoginForm sets the form of a login flow that takes sess to aal2: the TOTP code and
// the recovery code, for the factors its identity has. Without any, the flow cannot succeed:
// Kratos's session_aal2_required, pointing at the settings UI.
func (s *Service) buildAAL2LoginForm(ctx context.Context, f *LoginFlow, sess *identity.Session, csrf string) error {
	if sess == nil {
		return errSessionRequiredForHigherAAL()
	}
	who, err := s.accounts.GetIdentity(ctx, sess.IdentityID)
	if err != nil {
		return err
	}
	hasTOTP, hasLookup := s.secondFactorsOf(who)
	if !hasTOTP && !hasLookup {
		return errAALNotSatisfied(s.cfg.settings.ui.String())
	}
	c := s.cfg.container(RouteLoginSubmit, f.ID)
	setCSRF(c, csrf)
	if hasTOTP {
		in := ui.NewInput(ui.TOTPCode, "", ui.GroupTOTP, ui.InputTypeText).WithLabel(text.LoginTOTPLabel())
		in.Input().Required = true
		c.Nodes.Upsert(in)
		c.Nodes.Append(submitNode(methodTOTP, ui.GroupTOTP, text.LoginTOTP()))
	}
	if hasLookup {
		in := ui.NewInput(ui.LookupCodeEnter, "", ui.GroupLookupSecret, ui.InputTypeText).WithLabel(text.LoginLookupLabel())
		in.Input().Required = true
		c.Nodes.Upsert(in)
		c.Nodes.Append(submitNode(methodLookup, ui.GroupLookupSecret, text.LoginLookup()))
	}
	c.Nodes.Sort(ui.LoginOrder())
	f.UI = c
	return nil
}

// submitAAL2Login completes an aal2 login flow with a TOTP code or a recovery code: the session
// the request carries rises to aal2. refuse answers the flow with messages.
func (s *Service) submitAAL2Login(ctx context.Context, r *Request, st *stored[*LoginFlow], sess *identity.Session, sub *Submission,
	refuse func(...fieldMessage) (*LoginResult, error), now time.Time) (*LoginResult, error) {
	f := st.rec.Flow
	var field, code string
	var wrong, missing text.Message
	switch {
	case sub.Method == methodTOTP && s.cfg.secondFactors.totp:
		field, code, wrong, missing = ui.TOTPCode, sub.TOTPCode, text.TOTPVerifierWrong(), text.NoTOTPDevice()
	case sub.Method == methodLookup && s.cfg.secondFactors.lookup:
		field, code, wrong, missing = ui.LookupCodeEnter, sub.LookupSecret, text.LookupInvalid(), text.NoLookup()
	default:
		return refuse(fieldMessage{msg: text.LoginNoStrategyFound()})
	}
	if code == "" {
		return refuse(fieldMessage{field: field, msg: text.Required(field)})
	}
	f.TransientPayload = sub.TransientPayload
	// Claim the flow: a concurrent submission of the same version fails here.
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	var err error
	if sub.Method == methodTOTP {
		err = s.accounts.VerifyTOTP(ctx, sess.IdentityID, code)
	} else {
		err = s.accounts.UseLookupSecret(ctx, sess.IdentityID, code)
	}
	switch {
	case errors.Is(err, identity.ErrInvalidCredentials):
		return refuse(fieldMessage{msg: wrong})
	case errors.Is(err, identity.ErrNoSecondFactor):
		return refuse(fieldMessage{msg: missing})
	case err != nil:
		return nil, err
	}
	f.State, f.Active, f.UpdatedAt = StatePassedChallenge, sub.Method, now
	f.UI.ResetMessages()
	f.UI.Nodes.ResetValues(field)
	if err := st.save(ctx, s.st, now); err != nil {
		return nil, err
	}
	res := &LoginResult{Flow: f, LoginChallenge: f.OAuth2LoginChallenge, SessionToken: r.SessionToken}
	res.Session, err = s.accounts.RefreshSession(ctx, sess.ID, identity.AuthenticationMethod{Method: sub.Method, AAL: AAL2}, r.device())
	if err != nil {
		return nil, err
	}
	return s.finishLogin(f, res, nil)
}

// needsAAL2 says whether a session of who that has only aal1 falls short of whoami's
// required_aal: then a first-factor login goes on to the aal2 login, as Kratos's login hook does.
func (s *Service) needsAAL2(who *identity.Identity) bool {
	if s.accounts.WhoamiRequiredAAL() == AAL1 {
		return false
	}
	hasTOTP, hasLookup := s.secondFactorsOf(who)
	return hasTOTP || hasLookup
}

// checkSettingsAAL applies selfservice.flows.settings.required_aal to the session of a settings
// flow: Kratos's 403 session_aal2_required, sending a browser to the aal2 login and back to
// returnTo.
func (s *Service) checkSettingsAAL(ctx context.Context, sess *identity.Session, returnTo string) error {
	if s.cfg.secondFactors.settingsRequiredAAL == AAL1 || sess.AAL == AAL2 {
		return nil
	}
	who, err := s.accounts.GetIdentity(ctx, sess.IdentityID)
	if err != nil {
		return err
	}
	if hasTOTP, hasLookup := s.secondFactorsOf(who); !hasTOTP && !hasLookup {
		return nil
	}
	u := s.aal2LoginURL(returnTo)
	e := errAALNotSatisfied(u)
	e.Redirect = u
	return e
}

// addSecondFactorSettings adds the TOTP and lookup_secret methods' nodes to a settings form for
// who, as Kratos's PopulateSettingsMethod do, and returns the key it offers to enrol ("" when
// who has TOTP already). lookupCodes are codes just generated and not yet confirmed: they are
// shown with the confirm button; revealed says to show who's codes.
func (s *Service) addSecondFactorSettings(ctx context.Context, f *SettingsFlow, who *identity.Identity, lookupCodes []string, revealed bool) (string, error) {
	c := f.UI
	keyURL := ""
	if s.cfg.secondFactors.totp {
		if _, ok := who.Credentials[identity.CredentialTOTP]; ok {
			n := ui.NewInput(ui.TOTPUnlink, "true", ui.GroupTOTP, ui.InputTypeSubmit).WithLabel(text.SettingsUnlinkTOTP())
			n.Input().Required = true
			c.Nodes.Upsert(n)
		} else {
			key, err := s.newTOTPKey(ctx, who)
			if err != nil {
				return "", err
			}
			src, err := totpQRImage(key)
			if err != nil {
				return "", err
			}
			c.Nodes.Upsert(ui.NewText(ui.TOTPSecretKey, text.SettingsTOTPSecret(key.Secret()), ui.GroupTOTP).WithLabel(text.SettingsTOTPSecretLabel()))
			c.Nodes.Upsert(ui.NewImage(ui.TOTPQR, src, totpQRSize, totpQRSize, ui.GroupTOTP).WithLabel(text.SettingsTOTPQRCode()))
			in := ui.NewInput(ui.TOTPCode, nil, ui.GroupTOTP, ui.InputTypeText).WithLabel(text.LabelVerifyOTP())
			in.Input().Required = true
			c.Nodes.Upsert(in)
			c.Nodes.Append(submitNode(methodTOTP, ui.GroupTOTP, text.LabelSave()))
			keyURL = key.URL()
		}
	}
	if s.cfg.secondFactors.lookup {
		if err := s.addLookupSettings(ctx, c, who, lookupCodes, revealed); err != nil {
			return "", err
		}
	}
	fields, err := s.schemas.Fields(who.SchemaID)
	if err != nil {
		return "", err
	}
	c.Nodes.Sort(ui.SettingsOrder(schemaKeys(fields)))
	return keyURL, nil
}

// addLookupSettings adds the lookup_secret method's nodes: the new codes and confirm; or who's
// codes (revealed) with disable and regenerate; or reveal and disable when who has codes;
// otherwise regenerate.
func (s *Service) addLookupSettings(ctx context.Context, c *ui.Container, who *identity.Identity, pending []string, revealed bool) error {
	button := func(name string, label text.Message) {
		c.Nodes.Upsert(ui.NewInput(name, "true", ui.GroupLookupSecret, ui.InputTypeSubmit).WithLabel(label))
	}
	if len(pending) > 0 {
		secrets := make([]identity.LookupSecret, len(pending))
		for k, code := range pending {
			secrets[k] = identity.LookupSecret{Code: code}
		}
		c.Nodes.Upsert(lookupCodesNode(secrets))
		button(ui.LookupConfirm, text.SettingsLookupConfirm())
		return nil
	}
	_, has := who.Credentials[identity.CredentialLookupSecret]
	switch {
	case has && revealed:
		secrets, err := s.accounts.LookupSecrets(ctx, who.ID)
		if err != nil {
			return err
		}
		c.Nodes.Upsert(lookupCodesNode(secrets))
		button(ui.LookupRegenerate, text.SettingsRegenerateLookup())
		button(ui.LookupDisable, text.SettingsDisableLookup())
	case has:
		button(ui.LookupReveal, text.SettingsRevealLookup())
		button(ui.LookupDisable, text.SettingsDisableLookup())
	default:
		button(ui.LookupRegenerate, text.SettingsRegenerateLookup())
	}
	return nil
}

// lookupCodesNode is Kratos's lookup_secret_codes text node: each code, or "used" for a spent
// one.
func lookupCodesNode(secrets []identity.LookupSecret) *ui.Node {
	shown := make([]string, len(secrets))
	msgs := make([]text.Message, len(secrets))
	for k, ls := range secrets {
		if ls.UsedAt != nil {
			shown[k], msgs[k] = "used", text.SettingsLookupSecretUsed(*ls.UsedAt)
			continue
		}
		shown[k], msgs[k] = ls.Code, text.SettingsLookupSecret(ls.Code)
	}
	return ui.NewText(ui.LookupCodes, text.SettingsLookupSecretList(shown, msgs), ui.GroupLookupSecret).
		WithLabel(text.SettingsLookupSecretsLabel())
}

// newTOTPKey makes a key for who to enrol: its account name is the trait marked
// totp.account_name, else the identity's ID, as in Kratos.
func (s *Service) newTOTPKey(ctx context.Context, who *identity.Identity) (*otp.Key, error) {
	account := who.ID
	if x, err := s.schemas.Extract(ctx, who.SchemaID, who.Traits); err == nil && x.TOTPAccountName != "" {
		account = x.TOTPAccountName
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.cfg.secondFactors.issuer, AccountName: account, SecretSize: totpSecretBytes,
		Digits: otp.DigitsSix, Period: 30, Rand: rand.Reader,
	})
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "cannot make a TOTP key")
	}
	return key, nil
}

// totpQRImage is the key's URL as a QR code, a PNG in a data: URI, as Kratos's totp_qr node
// carries it.
func totpQRImage(key *otp.Key) (string, error) {
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return "", fault.Wrap(fault.Internal, err, "cannot draw the TOTP QR code")
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fault.Wrap(fault.Internal, err, "cannot encode the TOTP QR code")
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// newLookupCodes makes Kratos's recovery codes: lookupCodeCount random strings.
func newLookupCodes() []string {
	codes := make([]string, lookupCodeCount)
	for k := range codes {
		b := make([]byte, lookupCodeLength)
		for i := range b {
			b[i] = lookupAlphabet[randIndex(len(lookupAlphabet))]
		}
		codes[k] = string(b)
	}
	return codes
}

// randIndex is a uniform random index below n (n ≤ 256), by rejection.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

// isSecondFactorSettings says whether a settings submission is for the TOTP or lookup_secret
// method, as Kratos's strategies take it.
func (s *Service) isSecondFactorSettings(sub *Submission) bool {
	f := sub.SecondFactorFields
	switch {
	case s.cfg.secondFactors.totp && (sub.Method == methodTOTP || f.TOTPUnlink):
		return true
	case s.cfg.secondFactors.lookup && (sub.Method == methodLookup || f.LookupReveal || f.LookupRegenerate || f.LookupConfirm || f.LookupDisable):
		return true
	}
	return false
}

// settingsOutcome is what a second factor's settings submission did.
type settingsOutcome struct {
	// refused are the messages of a refusal; none when it was accepted.
	refused []fieldMessage
	// showOnly says the flow stays in show_form with new nodes (codes generated or revealed), as
	// Kratos's ErrStrategyAsksToReturnToUI: no success message.
	showOnly bool
	// pending are codes generated but not confirmed; revealed says to show the stored ones.
	pending  []string
	revealed bool
}

// submitSecondFactorSettings applies a TOTP or lookup_secret settings submission for the flow's
// identity. The caller has checked the privileged session.
func (s *Service) submitSecondFactorSettings(ctx context.Context, st *stored[*SettingsFlow], sess *identity.Session, sub *Submission) (settingsOutcome, error) {
	who, err := s.accounts.GetIdentity(ctx, st.owner)
	if err != nil {
		return settingsOutcome{}, err
	}
	f := sub.SecondFactorFields
	if sub.Method == methodTOTP || f.TOTPUnlink {
		sub.Method = methodTOTP
		_, has := who.Credentials[identity.CredentialTOTP]
		switch {
		case has && f.TOTPUnlink:
			return settingsOutcome{}, s.accounts.RemoveTOTP(ctx, st.owner)
		case has:
			return settingsOutcome{}, nil
		}
		if sub.TOTPCode == "" {
			return settingsOutcome{refused: []fieldMessage{{field: ui.TOTPCode, msg: text.Required(ui.TOTPCode)}}}, nil
		}
		key, err := otp.NewKeyFromURL(st.rec.TOTPURL)
		if st.rec.TOTPURL == "" || err != nil {
			return settingsOutcome{}, fault.New(fault.Internal, "the settings flow holds no TOTP key to enrol")
		}
		if !identity.CheckTOTPCode(key, sub.TOTPCode, s.cfg.now()) {
			return settingsOutcome{refused: []fieldMessage{{field: ui.TOTPCode, msg: text.TOTPVerifierWrong()}}}, nil
		}
		if err := s.accounts.SetTOTP(ctx, st.owner, st.rec.TOTPURL); err != nil {
			return settingsOutcome{}, err
		}
		st.rec.TOTPURL = ""
		_, err = s.accounts.AddAuthenticationMethod(ctx, sess.ID, identity.AuthenticationMethod{Method: methodTOTP, AAL: AAL2})
		return settingsOutcome{}, err
	}
	sub.Method = methodLookup
	switch {
	case f.LookupConfirm:
		if len(st.rec.LookupCodes) != lookupCodeCount {
			return settingsOutcome{}, errBadRequest("You must (re-)generate recovery backup codes before you can save them.")
		}
		if err := s.accounts.SetLookupSecrets(ctx, st.owner, st.rec.LookupCodes); err != nil {
			return settingsOutcome{}, err
		}
		st.rec.LookupCodes = nil
		_, err = s.accounts.AddAuthenticationMethod(ctx, sess.ID, identity.AuthenticationMethod{Method: methodLookup, AAL: AAL2})
		return settingsOutcome{}, err
	case f.LookupReveal:
		if _, has := who.Credentials[identity.CredentialLookupSecret]; !has {
			return settingsOutcome{}, errBadRequest("Can not reveal lookup codes because you have none.")
		}
		return settingsOutcome{showOnly: true, revealed: true}, nil
	case f.LookupDisable:
		st.rec.LookupCodes = nil
		return settingsOutcome{}, s.accounts.SetLookupSecrets(ctx, st.owner, nil)
	case f.LookupRegenerate:
		st.rec.LookupCodes = newLookupCodes()
		return settingsOutcome{showOnly: true, pending: st.rec.LookupCodes}, nil
	}
	return settingsOutcome{refused: []fieldMessage{{msg: text.SettingsNoStrategyFound()}}}, nil
}

// AAL2Required is Kratos's 403 session_aal2_required of whoami for a session that falls short
// of session.whoami.required_aal: redirect_browser_to is the aal2 login.
func (s *Service) AAL2Required() *Error { return errAALNotSatisfied(s.aal2LoginURL("")) }
